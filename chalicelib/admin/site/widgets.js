// What every page of the admin is drawn with: elements from data (always as
// text), links into the page's own routes, values, forms and the change list
// that the users, orders and audit pages share.

import { ApiError, adminPath, handleExpiredSession, queryString, request } from "./api.js";

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "test") element.dataset.test = value;
    else if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function link(target, text, attributes = {}) {
  return h("a", { href: target, ...attributes }, text);
}

// Routes: #/path/?query
export function route() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const split = hash.indexOf("?");
  const path = split === -1 ? hash : hash.slice(0, split);
  return { path, params: new URLSearchParams(split === -1 ? "" : hash.slice(split + 1)) };
}

export function href(path, params = {}) {
  return `#${path}${queryString(params)}`;
}

export const userHref = (userId) => href(`/users/${encodeURIComponent(userId)}/`);
export const orderHref = (orderId) => href(`/orders/${encodeURIComponent(orderId)}/`);
export const ticketHref = (code) => href(`/tickets/${encodeURIComponent(code)}/`);

export function dateTime(iso) {
  return iso ? `${new Date(iso).toISOString().slice(0, 19).replace("T", " ")} UTC` : "—";
}

export function utcDay(offsetDays = 0) {
  return new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);
}

// `choices`: [{ code, label }], as /api/admin/me lists each kind of status.
export function labelOf(choices, code) {
  return choices.find((choice) => choice.code === code)?.label || code;
}

export function statusBadge(status, choices) {
  return h("span", { class: "status", "data-status": status, test: "status" }, labelOf(choices, status));
}

export function yesNo(value) {
  return h(
    "span",
    { class: `bool ${value ? "yes" : "no"}`, title: value ? "Yes" : "No", "aria-label": value ? "Yes" : "No" },
    value ? "✔" : "✘",
  );
}

export function duration(seconds) {
  const total = Math.max(1, Math.ceil(Number(seconds) || 0));
  if (total < 60) return `${total} second${total === 1 ? "" : "s"}`;
  const minutes = Math.ceil(total / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

export function errorNote(error, ...extra) {
  const lines = error instanceof ApiError ? error.messages : [String(error.message || error)];
  return h(
    "div",
    { class: "errornote", role: "alert", test: "error" },
    h(
      "ul",
      {},
      lines.map((line) => h("li", {}, line)),
    ),
    extra,
  );
}

export function readonlyRow(label, value, test) {
  return h(
    "div",
    { class: "form-row" },
    h("div", { class: "label" }, label),
    h("div", { class: "readonly", test }, value),
  );
}

function resultsTable(columns, rows, emptyText, test) {
  return h(
    "div",
    { class: "results" },
    h(
      "table",
      { class: "results", id: "result_list", test },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          columns.map((column) => h("th", { scope: "col" }, column)),
        ),
      ),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { class: "empty", colspan: columns.length }, emptyText))),
    ),
  );
}

function paginator(count, noun, nextCursor, params, path) {
  return h(
    "p",
    { class: "paginator", test: "paginator" },
    h("span", {}, `${count} ${noun} on this page`),
    params.get("cursor")
      ? link(href(path, { ...Object.fromEntries(params), cursor: "" }), "First page", { test: "first-page" })
      : null,
    nextCursor
      ? link(href(path, { ...Object.fromEntries(params), cursor: nextCursor }), "Next page ›", {
          class: "next",
          test: "next-page",
        })
      : null,
  );
}

// The search box; a search keeps the filters in force, as in Django's admin.
function searchToolbar(path, params, placeholder, filterNames = []) {
  const input = h("input", {
    type: "search",
    name: "q",
    id: "searchbar",
    test: "search-input",
    value: params.get("q") || "",
    placeholder,
    "aria-label": "Search",
  });
  const form = h(
    "form",
    {
      id: "changelist-search",
      role: "search",
      onsubmit: (event) => {
        event.preventDefault();
        const filters = Object.fromEntries(filterNames.map((name) => [name, params.get(name)]));
        location.hash = href(path, { ...filters, q: input.value.trim() });
      },
    },
    input,
    h("input", { type: "submit", value: "Search", test: "search-submit" }),
    params.get("q")
      ? h(
          "span",
          { class: "search-note", test: "search-note" },
          "Searching for “",
          params.get("q"),
          "” · ",
          link(href(path), "Show all", { test: "show-all" }),
        )
      : null,
  );
  return h("div", { id: "toolbar" }, form);
}

// A change list, as Django's admin draws one: the search box (where the API
// searches), the results of one page of `api`, a paginator, and `filters`
// beside them. The query names in `query` are passed on from the route.
export async function listPage(list) {
  const { path, params, api, query = [], search, filters, columns, row, empty, noun, test, ...page } = list;
  const passed = Object.fromEntries([...query, "cursor"].map((name) => [name, params.get(name)]));
  const found = await request("GET", adminPath(api, passed));
  return {
    ...page,
    body: h(
      "div",
      { id: "changelist", class: filters ? "module filtered" : "module" },
      h(
        "div",
        { class: "changelist-form-container" },
        search ? searchToolbar(path, params, search.placeholder, search.keeps) : null,
        resultsTable(columns, found.results.map(row), empty, test),
        paginator(found.results.length, noun, found.next_cursor, params, path),
      ),
      filters ? filters(params) : null,
    ),
  };
}

// Messages for the next page drawn, as Django's messages are; and drawing the
// current page again (set by admin.js, which knows the routes).
export const notices = [];
let drawCurrentPage = async () => {};

export function onRedraw(draw) {
  drawCurrentPage = draw;
}

export function redraw() {
  return drawCurrentPage();
}

// A change form's submission: `button` held while `send` runs; the message it
// returns on the page drawn again, or the errors shown in `errors`.
export async function submitChange(button, errors, send) {
  button.disabled = true;
  try {
    notices.push(await send());
    await redraw();
  } catch (error) {
    if (handleExpiredSession(error)) return;
    errors.replaceChildren(errorNote(error));
    errors.scrollIntoView();
    button.disabled = false;
  }
}
