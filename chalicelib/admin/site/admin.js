// The Catalyst administration: one page that talks to /api/admin/ with the
// staff member's token, laid out like the Django admin. Every piece of data is
// put into the page as text nodes or attribute values, never as markup.

const TOKEN_KEY = "catalyst.admin.token";
// The page is served at <app root>/admin/, under whatever stage prefix the URL has.
const APP_ROOT = new URL("../", location.href);

const PERMISSION = {
  viewUser: "users.view_user",
  changeUser: "users.change_user",
  viewOrder: "orders.view_order",
  changeTicket: "orders.change_ticket",
};
const ORDER_STATUSES = { PENDING: "Pending", PROCESSING: "Processing", COMPLETED: "Completed", CANCELLED: "Cancelled" };
const TICKET_STATUSES = { NEW: "New", IN_PROGRESS: "In progress", DONE: "Done", ERROR: "Error" };
// Django's own help texts for the account flags.
const ACCOUNT_FLAGS = [
  [
    "is_active",
    "Active",
    "Designates whether this user should be treated as active. Unselect this instead of deleting accounts.",
  ],
  ["is_staff", "Staff status", "Designates whether the user can log into this admin site."],
  [
    "is_superuser",
    "Superuser status",
    "Designates that this user has all permissions without explicitly assigning them.",
  ],
];

const content = document.getElementById("content");
const breadcrumbs = document.getElementById("breadcrumbs");
const messages = document.getElementById("messages");
const userTools = document.getElementById("user-tools");

let session = null; // { token, me } once a staff member is logged in
let pendingMessages = []; // shown on the next page drawn, as Django's messages are
let renderCount = 0;

// ---- DOM: elements from data, always as text ----

function h(tag, attributes = {}, ...children) {
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

function link(target, text, attributes = {}) {
  return h("a", { href: target, ...attributes }, text);
}

// ---- Routes: #/path/?query ----

function route() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const split = hash.indexOf("?");
  const path = split === -1 ? hash : hash.slice(0, split);
  return { path, params: new URLSearchParams(split === -1 ? "" : hash.slice(split + 1)) };
}

// "?a=1&b=2" from the parameters that have a value; "" when none has.
function queryString(params) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value)).toString();
  return query ? `?${query}` : "";
}

function href(path, params = {}) {
  return `#${path}${queryString(params)}`;
}

const userHref = (userId) => href(`/users/${encodeURIComponent(userId)}/`);
const orderHref = (orderId) => href(`/orders/${encodeURIComponent(orderId)}/`);
const ticketHref = (code) => href(`/tickets/${encodeURIComponent(code)}/`);

// ---- API ----

class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
  }

  // {"detail": ...} or DRF-style field errors, as lines for the reader.
  get messages() {
    const body = this.body || {};
    if (typeof body.detail === "string") {
      return [body.request_id ? `${body.detail} (request id ${body.request_id})` : body.detail];
    }
    const lines = [];
    for (const [field, problems] of Object.entries(body)) {
      for (const problem of [].concat(problems)) {
        lines.push(field === "non_field_errors" ? String(problem) : `${field}: ${problem}`);
      }
    }
    return lines.length ? lines : [`The server answered ${this.status}.`];
  }
}

async function request(method, path, { body, token = session?.token } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Token ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(new URL(path, APP_ROOT), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, { detail: "The server could not be reached. Check the connection and try again." });
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    throw new ApiError(
      response.status,
      data || { detail: `The server answered ${response.status}.` },
      response.headers.get("Retry-After"),
    );
  }
  return data;
}

function adminPath(path, params = {}) {
  return `api/admin/${path}${queryString(params)}`;
}

function can(permission) {
  return session.me.is_superuser || session.me.permissions.includes(permission);
}

// ---- Values ----

function dateTime(iso) {
  return iso ? `${new Date(iso).toISOString().slice(0, 19).replace("T", " ")} UTC` : "—";
}

function utcDay(offsetDays = 0) {
  return new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);
}

function statusBadge(status, labels) {
  return h("span", { class: "status", "data-status": status, test: "status" }, labels[status] || status);
}

function yesNo(value) {
  return h(
    "span",
    { class: `bool ${value ? "yes" : "no"}`, title: value ? "Yes" : "No", "aria-label": value ? "Yes" : "No" },
    value ? "✔" : "✘",
  );
}

function duration(seconds) {
  const total = Math.max(1, Math.ceil(Number(seconds) || 0));
  if (total < 60) return `${total} second${total === 1 ? "" : "s"}`;
  const minutes = Math.ceil(total / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

function errorNote(error, ...extra) {
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

function readonlyRow(label, value, test) {
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

// ---- Pages ----

function homePage() {
  const model = (label, target, test) =>
    h("tr", {}, h("th", { scope: "row" }, link(target, label, { test })), h("td", {}, link(target, "View")));
  const apps = [];
  if (can(PERMISSION.viewUser)) {
    apps.push(["Users", [model("Users", href("/users/"), "nav-users")]]);
  }
  if (can(PERMISSION.viewOrder)) {
    apps.push([
      "Orders",
      [model("Orders", href("/orders/"), "nav-orders"), model("Tickets", href("/tickets/"), "nav-tickets")],
    ]);
  }
  // The trail names users and their permissions: the API asks for users.view_user.
  if (can(PERMISSION.viewUser)) {
    apps.push(["Audit", [model("Audit trail", href("/audit/"), "nav-audit")]]);
  }
  return {
    title: "Site administration",
    crumbs: [],
    body: h(
      "div",
      { id: "app-list" },
      apps.map(([name, rows]) =>
        h("div", { class: "module" }, h("table", {}, h("caption", {}, name), h("tbody", {}, rows))),
      ),
    ),
  };
}

async function userListPage(params) {
  const page = await request("GET", adminPath("users", { q: params.get("q"), cursor: params.get("cursor") }));
  const rows = page.results.map((user) =>
    h(
      "tr",
      { test: "user-row", "data-email": user.email },
      h("th", { scope: "row" }, link(userHref(user.user_id), user.email, { test: "user-link" })),
      h("td", {}, user.first_name),
      h("td", {}, user.last_name),
      h("td", {}, yesNo(user.is_active)),
      h("td", {}, yesNo(user.is_staff)),
      h("td", {}, yesNo(user.is_superuser)),
      h(
        "td",
        {},
        user.permissions.map((name) => h("div", {}, h("code", {}, name))),
      ),
    ),
  );
  return {
    title: "Select user to change",
    crumbs: [["Users"]],
    body: h(
      "div",
      { id: "changelist", class: "module" },
      h(
        "div",
        { class: "changelist-form-container" },
        searchToolbar("/users/", params, "Email contains…"),
        resultsTable(
          ["Email", "First name", "Last name", "Active", "Staff status", "Superuser status", "Permissions"],
          rows,
          "No users match.",
          "user-list",
        ),
        paginator(page.results.length, "users", page.next_cursor, params, "/users/"),
      ),
    ),
  };
}

async function userDetailPage(params, userId) {
  const user = await request("GET", adminPath(`users/${encodeURIComponent(userId)}`));
  const superuserOnly = user.is_superuser && !session.me.is_superuser;
  const editable = can(PERMISSION.changeUser) && !superuserOnly;
  const flags = ACCOUNT_FLAGS.map(([name, label, help]) => {
    const disabled = !editable || (name === "is_superuser" && !session.me.is_superuser);
    return h(
      "div",
      { class: "form-row checkbox-row" },
      h("div", { class: "label" }),
      h(
        "div",
        { class: "readonly" },
        h("input", { type: "checkbox", id: `id_${name}`, name, test: `flag-${name}`, checked: user[name], disabled }),
        h("label", { for: `id_${name}` }, label),
        h("p", { class: "help" }, help),
      ),
    );
  });
  const granted = new Set(user.permissions);
  const checklist = h(
    "ul",
    { class: "checklist", test: "permission-checklist" },
    session.me.all_permissions.map(({ codename, description }) =>
      h(
        "li",
        {},
        h("input", {
          type: "checkbox",
          id: `perm_${codename}`,
          name: "permissions",
          value: codename,
          test: `permission-${codename}`,
          checked: granted.has(codename),
          disabled: !editable,
        }),
        h("label", { for: `perm_${codename}` }, h("code", {}, codename), h("span", { class: "quiet" }, description)),
      ),
    ),
  );
  const errors = h("div", { test: "form-errors" });
  const saveButton = h("input", {
    type: "submit",
    value: "Save",
    class: "default",
    test: "save-user",
    disabled: !editable,
  });
  const form = h(
    "form",
    {
      id: "user-form",
      test: "user-form",
      onsubmit: async (event) => {
        event.preventDefault();
        const changes = {};
        for (const [name] of ACCOUNT_FLAGS) {
          const checked = form.elements[name].checked;
          if (checked !== user[name]) changes[name] = checked;
        }
        const permissions = [...form.querySelectorAll('input[name="permissions"]:checked')]
          .map((box) => box.value)
          .sort();
        if (permissions.join() !== [...user.permissions].sort().join()) changes.permissions = permissions;
        if (!Object.keys(changes).length) {
          pendingMessages.push("No fields changed.");
          return render();
        }
        saveButton.disabled = true;
        try {
          const saved = await request("PATCH", adminPath(`users/${encodeURIComponent(userId)}`), { body: changes });
          pendingMessages.push(`The user “${saved.email}” was changed successfully.`);
          await render();
        } catch (error) {
          if (handleExpiredSession(error)) return;
          errors.replaceChildren(errorNote(error));
          errors.scrollIntoView();
          saveButton.disabled = false;
        }
      },
    },
    errors,
    superuserOnly
      ? h("p", { class: "form-note", test: "superuser-only" }, "Only a superuser may change a superuser's account.")
      : null,
    h(
      "fieldset",
      { class: "module" },
      readonlyRow("Email", user.email, "user-email-value"),
      readonlyRow("User id", h("code", {}, user.user_id)),
    ),
    h(
      "fieldset",
      { class: "module" },
      h("h2", {}, "Personal info"),
      readonlyRow("First name", user.first_name || "—"),
      readonlyRow("Last name", user.last_name || "—"),
    ),
    h(
      "fieldset",
      { class: "module" },
      h("h2", {}, "Permissions"),
      flags,
      h(
        "div",
        { class: "form-row" },
        h("div", { class: "label" }, "User permissions"),
        h(
          "div",
          { class: "readonly" },
          checklist,
          h("p", { class: "help" }, "Specific permissions for this user. A superuser has all of them."),
        ),
      ),
    ),
    h(
      "fieldset",
      { class: "module" },
      h("h2", {}, "Important dates"),
      readonlyRow("Date joined", dateTime(user.created_at)),
    ),
    h("div", { class: "submit-row" }, saveButton),
  );
  return { title: "Change user", subtitle: user.email, crumbs: [["Users", href("/users/")], [user.email]], body: form };
}

const ORDER_FILTERS = ["status", "created_from", "created_to"];

function orderFilters(params) {
  const q = params.get("q") || "";
  const status = params.get("status") || "";
  const from = params.get("created_from") || "";
  const to = params.get("created_to") || "";
  const filtersActive = Boolean(status || from || to);
  // A filter keeps the search in force, and starts again from the first page.
  const base = { q, status, created_from: from, created_to: to };
  const choice = (label, target, selected, test) =>
    h("li", { class: selected ? "selected" : null }, link(target, label, { test }));
  // Django's date filter: each choice runs from a day to now.
  const dateChoices = [
    ["Any date", ""],
    ["Today", utcDay()],
    ["Past 7 days", utcDay(-6)],
    ["This month", `${utcDay().slice(0, 8)}01`],
  ];
  const fromInput = h("input", {
    type: "date",
    id: "created_from",
    name: "created_from",
    test: "filter-created-from",
    value: from,
  });
  const toInput = h("input", {
    type: "date",
    id: "created_to",
    name: "created_to",
    test: "filter-created-to",
    value: to,
  });
  return h(
    "nav",
    { id: "changelist-filter", test: "filters", "aria-labelledby": "changelist-filter-header" },
    h("h2", { id: "changelist-filter-header" }, "Filter"),
    filtersActive
      ? h(
          "div",
          { class: "clear-filters" },
          link(href("/orders/", { q }), "✖ Clear all filters", { test: "clear-filters" }),
        )
      : null,
    h("h3", {}, "By status"),
    h(
      "ul",
      {},
      choice("All", href("/orders/", { ...base, status: "" }), !status, "filter-status-all"),
      Object.entries(ORDER_STATUSES).map(([code, label]) =>
        choice(label, href("/orders/", { ...base, status: code }), status === code, `filter-status-${code}`),
      ),
    ),
    h("h3", {}, "By created date (UTC)"),
    h(
      "ul",
      {},
      dateChoices.map(([label, start]) =>
        choice(
          label,
          href("/orders/", { ...base, created_from: start, created_to: "" }),
          from === start && !to,
          `filter-date-${label.toLowerCase().replaceAll(" ", "-")}`,
        ),
      ),
    ),
    h(
      "form",
      {
        test: "date-range-form",
        onsubmit: (event) => {
          event.preventDefault();
          location.hash = href("/orders/", { ...base, created_from: fromInput.value, created_to: toInput.value });
        },
      },
      h("label", { for: "created_from" }, "From"),
      fromInput,
      h("label", { for: "created_to" }, "To"),
      toInput,
      h("p", {}, h("input", { type: "submit", value: "Apply", test: "filter-date-apply" })),
    ),
  );
}

async function orderListPage(params) {
  const query = Object.fromEntries(["q", ...ORDER_FILTERS, "cursor"].map((name) => [name, params.get(name)]));
  const page = await request("GET", adminPath("orders", query));
  const rows = page.results.map((order) =>
    h(
      "tr",
      { test: "order-row", "data-order-id": order.order_id },
      h("th", { scope: "row" }, link(orderHref(order.order_id), String(order.order_id), { test: "order-link" })),
      h("td", {}, order.customer_name),
      h("td", { class: "nowrap" }, order.customer_phone),
      h("td", {}, statusBadge(order.status, ORDER_STATUSES)),
      h("td", {}, order.ticket_count),
      h("td", { class: "nowrap" }, dateTime(order.created_at)),
    ),
  );
  return {
    title: "Select order to change",
    crumbs: [["Orders"]],
    body: h(
      "div",
      { id: "changelist", class: "module filtered" },
      h(
        "div",
        { class: "changelist-form-container" },
        searchToolbar("/orders/", params, "Customer name, phone or owner email", ORDER_FILTERS),
        resultsTable(
          ["Order", "Customer name", "Customer phone", "Status", "Tickets", "Created"],
          rows,
          "No orders match.",
          "order-list",
        ),
        paginator(page.results.length, "orders", page.next_cursor, params, "/orders/"),
      ),
      orderFilters(params),
    ),
  };
}

function historyTable(history) {
  if (!history.length) return h("p", { class: "help", test: "history-empty" }, "No status changes yet.");
  return h(
    "table",
    { class: "history", test: "history" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        ["From", "To", "When", "Recorded", "Source", "Event id"].map((column) => h("th", { scope: "col" }, column)),
      ),
    ),
    h(
      "tbody",
      {},
      history.map((change) =>
        h(
          "tr",
          { test: "history-row", "data-source": change.source },
          h("td", {}, statusBadge(change.from_status, TICKET_STATUSES)),
          h("td", {}, statusBadge(change.to_status, TICKET_STATUSES)),
          h("td", {}, dateTime(change.at)),
          h("td", {}, dateTime(change.recorded_at)),
          h("td", { test: "history-source" }, change.source),
          h("td", {}, change.event_id ? h("code", {}, change.event_id) : "—"),
        ),
      ),
    ),
  );
}

function ticketStatusForm(ticket) {
  if (!can(PERMISSION.changeTicket)) return statusBadge(ticket.status, TICKET_STATUSES);
  const select = h(
    "select",
    { name: "status", test: "ticket-status-select", "aria-label": "Status" },
    Object.entries(TICKET_STATUSES).map(([code, label]) =>
      h("option", { value: code, selected: code === ticket.status }, label),
    ),
  );
  const button = h("button", { type: "submit", class: "default", test: "ticket-status-save" }, "Save status");
  const errors = h("div", { test: "ticket-errors" });
  const form = h(
    "form",
    {
      class: "status-form",
      test: "ticket-status-form",
      onsubmit: async (event) => {
        event.preventDefault();
        button.disabled = true;
        try {
          const change = await request("POST", adminPath(`tickets/${encodeURIComponent(ticket.code)}/status`), {
            body: { status: select.value },
          });
          const label = TICKET_STATUSES[change.status] || change.status;
          pendingMessages.push(
            change.outcome === "applied"
              ? `The ticket “${change.code}” was changed to ${label}.`
              : `The ticket “${change.code}” already was ${label}; nothing changed.`,
          );
          await render();
        } catch (error) {
          if (handleExpiredSession(error)) return;
          errors.replaceChildren(errorNote(error));
          errors.scrollIntoView();
          button.disabled = false;
        }
      },
    },
    statusBadge(ticket.status, TICKET_STATUSES),
    select,
    button,
  );
  return h("div", {}, errors, form);
}

function ticketBlock(ticket, { heading }) {
  return h(
    "div",
    { class: "inline-related", test: "ticket", "data-code": ticket.code },
    heading
      ? h("h3", {}, h("b", {}, "Ticket: "), link(ticketHref(ticket.code), ticket.code, { test: "ticket-link" }))
      : null,
    readonlyRow("Status", ticketStatusForm(ticket)),
    readonlyRow(
      "Product codes",
      ticket.product_codes.map((code) => h("div", {}, h("code", {}, code))),
    ),
    readonlyRow("Created", dateTime(ticket.created_at)),
    readonlyRow("Last change", dateTime(ticket.updated_at)),
    readonlyRow("History", historyTable(ticket.history)),
  );
}

async function ownerLink(ownerId) {
  if (!can(PERMISSION.viewUser)) return h("code", {}, ownerId);
  try {
    const owner = await request("GET", adminPath(`users/${encodeURIComponent(ownerId)}`));
    return link(userHref(owner.user_id), owner.email, { test: "owner-link" });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return h("code", {}, ownerId);
    throw error;
  }
}

function orderFieldset(order, owner) {
  return h(
    "fieldset",
    { class: "module", test: "order-fields" },
    readonlyRow("Order", String(order.order_id), "order-id"),
    readonlyRow("Status", statusBadge(order.status, ORDER_STATUSES), "order-status"),
    readonlyRow("Customer name", order.customer_name, "order-customer-name"),
    readonlyRow("Customer phone", order.customer_phone),
    readonlyRow("Comment", order.comment || "—"),
    readonlyRow("Owner", owner),
    readonlyRow("Created", dateTime(order.created_at)),
    readonlyRow("Last change", dateTime(order.updated_at)),
  );
}

async function orderDetailPage(params, orderId) {
  const order = await request("GET", adminPath(`orders/${encodeURIComponent(orderId)}`));
  const owner = await ownerLink(order.owner_id);
  return {
    title: "View order",
    subtitle: `Order ${order.order_id} · ${order.customer_name}`,
    crumbs: [["Orders", href("/orders/")], [`Order ${order.order_id}`]],
    body: h(
      "div",
      {},
      orderFieldset(order, owner),
      h(
        "div",
        { class: "inline-group", test: "tickets" },
        h("h2", {}, `Tickets (${order.tickets.length})`),
        order.tickets.map((ticket) => ticketBlock(ticket, { heading: true })),
      ),
    ),
  };
}

function ticketFinder(code = "") {
  const input = h("input", {
    type: "search",
    id: "ticket-code",
    name: "code",
    test: "ticket-code-input",
    value: code,
    placeholder: "Ticket code",
    "aria-label": "Ticket code",
    required: true,
  });
  return h(
    "div",
    { id: "toolbar" },
    h(
      "form",
      {
        test: "ticket-finder",
        onsubmit: (event) => {
          event.preventDefault();
          location.hash = ticketHref(input.value.trim());
        },
      },
      input,
      h("input", { type: "submit", value: "Find", test: "ticket-find" }),
      h("span", { class: "search-note" }, "A ticket's code is in its order, or in the answer that created it."),
    ),
  );
}

function ticketFinderPage() {
  return { title: "Find a ticket", crumbs: [["Tickets"]], body: ticketFinder() };
}

async function ticketDetailPage(params, code) {
  const crumbs = [["Tickets", href("/tickets/")], [code]];
  let order;
  try {
    order = await request("GET", adminPath(`tickets/${encodeURIComponent(code)}`));
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    return { title: "Find a ticket", crumbs, body: h("div", {}, errorNote(error), ticketFinder(code)) };
  }
  const ticket = order.tickets.find((candidate) => candidate.code === order.ticket_code);
  const owner = await ownerLink(order.owner_id);
  return {
    title: "Change ticket",
    subtitle: `Ticket ${ticket.code} of order ${order.order_id}`,
    crumbs,
    body: h(
      "div",
      {},
      ticketFinder(ticket.code),
      h(
        "div",
        { class: "inline-group", test: "ticket-detail" },
        h("h2", {}, "Ticket"),
        ticketBlock(ticket, { heading: false }),
      ),
      h(
        "fieldset",
        { class: "module" },
        h("h2", {}, "Order"),
        readonlyRow("Order", link(orderHref(order.order_id), String(order.order_id), { test: "ticket-order-link" })),
        readonlyRow("Order status", statusBadge(order.status, ORDER_STATUSES), "ticket-order-status"),
        readonlyRow("Customer name", order.customer_name),
        readonlyRow("Owner", owner),
      ),
    ),
  };
}

function auditTarget(entry) {
  const targets = { user: userHref, order: orderHref, ticket: ticketHref };
  const label = `${entry.target_type} ${entry.after?.email || entry.before?.email || entry.target_id}`;
  return targets[entry.target_type]
    ? link(targets[entry.target_type](entry.target_id), label, { test: "audit-target" })
    : label;
}

function auditValue(value) {
  if (Array.isArray(value)) return value.length ? value.map((item) => h("div", {}, auditValue(item))) : "—";
  if (value === null || value === undefined) return "—";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function auditState(state, other) {
  return h(
    "dl",
    { class: "changes" },
    Object.entries(state).map(([key, value]) => {
      const changed = JSON.stringify(value) !== JSON.stringify(other[key]);
      return [
        h("dt", { class: changed ? "changed" : null }, key),
        h("dd", { class: changed ? "changed" : null }, auditValue(value)),
      ];
    }),
  );
}

async function auditPage(params) {
  const page = await request("GET", adminPath("audit", { cursor: params.get("cursor") }));
  const rows = page.results.map((entry) =>
    h(
      "tr",
      { test: "audit-row", "data-action": entry.action, "data-target-id": entry.target_id },
      h("td", { class: "nowrap" }, dateTime(entry.at)),
      h("td", { test: "audit-actor" }, entry.actor_email),
      h("td", { test: "audit-action" }, h("code", {}, entry.action)),
      h("td", {}, auditTarget(entry)),
      h("td", {}, auditState(entry.before, entry.after)),
      h("td", {}, auditState(entry.after, entry.before)),
    ),
  );
  return {
    title: "Audit trail",
    subtitle: "Every change made in the admin, newest first.",
    crumbs: [["Audit trail"]],
    body: h(
      "div",
      { id: "changelist", class: "module" },
      h(
        "div",
        { class: "changelist-form-container" },
        resultsTable(
          ["When", "Who", "Action", "Target", "Before", "After"],
          rows,
          "Nothing has been changed in the admin yet.",
          "audit-list",
        ),
        paginator(page.results.length, "entries", page.next_cursor, params, "/audit/"),
      ),
    ),
  };
}

const ROUTES = [
  [/^\/$/, homePage],
  [/^\/users\/$/, userListPage],
  [/^\/users\/([^/]+)\/$/, userDetailPage],
  [/^\/orders\/$/, orderListPage],
  [/^\/orders\/([^/]+)\/$/, orderDetailPage],
  [/^\/tickets\/$/, ticketFinderPage],
  [/^\/tickets\/([^/]+)\/$/, ticketDetailPage],
  [/^\/audit\/$/, auditPage],
];

// ---- Drawing a page ----

function showMessages() {
  messages.replaceChildren(...pendingMessages.map((text) => h("li", { class: "success", test: "message" }, text)));
  messages.hidden = pendingMessages.length === 0;
  pendingMessages = [];
}

function showPage({ title, subtitle, crumbs, body }) {
  document.title = `${title} | Catalyst administration`;
  document.body.className = "";
  userTools.hidden = false;
  document.getElementById("user-email").textContent = session.me.email;
  breadcrumbs.hidden = false;
  const trail = [link(href("/"), "Home", { test: "crumb-home" })];
  for (const [label, target] of crumbs) {
    trail.push(" › ", target ? link(target, label) : h("span", { test: "crumb-current" }, label));
  }
  breadcrumbs.replaceChildren(...trail);
  showMessages();
  const heading = [h("h1", { test: "page-title" }, title)];
  if (subtitle) heading.push(h("p", { class: "subtitle", test: "page-subtitle" }, subtitle));
  content.replaceChildren(...heading, body);
  // As after a page load in Django's admin: the messages at the top are seen.
  window.scrollTo(0, 0);
}

async function render() {
  const generation = ++renderCount;
  content.setAttribute("aria-busy", "true");
  if (!session) {
    showLogin();
    return;
  }
  const { path, params } = route();
  let page;
  try {
    const match = ROUTES.map(([pattern, view]) => [path.match(pattern), view]).find(([found]) => found);
    page = match
      ? await match[1](params, ...match[0].slice(1).map(decodeURIComponent))
      : { title: "Page not found", crumbs: [], body: h("p", {}, "There is no admin page at this address.") };
  } catch (error) {
    if (handleExpiredSession(error)) return;
    page = { title: "This page could not be shown", crumbs: [], body: errorNote(error) };
  }
  if (generation !== renderCount) return; // the reader has moved on meanwhile
  showPage(page);
  content.setAttribute("aria-busy", "false");
}

// A 401 means the token no longer works (expired, password changed, deactivated).
function handleExpiredSession(error) {
  if (!(error instanceof ApiError) || error.status !== 401 || !session) return false;
  logOut([...error.messages, "Please log in again."]);
  return true;
}

function logOut(notice = []) {
  session = null;
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin(notice);
}

// ---- Login ----

function showLogin(notice = []) {
  renderCount += 1;
  document.title = "Log in | Catalyst administration";
  document.body.className = "login";
  userTools.hidden = true;
  breadcrumbs.hidden = true;
  messages.hidden = true;
  const errors = h("div", { test: "login-errors" }, notice.length ? errorNote(new Error(notice.join(" "))) : null);
  const email = h("input", {
    type: "email",
    id: "id_email",
    name: "email",
    test: "login-email",
    required: true,
    autocomplete: "username",
  });
  const password = h("input", {
    type: "password",
    id: "id_password",
    name: "password",
    test: "login-password",
    required: true,
    autocomplete: "current-password",
  });
  const submit = h("input", { type: "submit", value: "Log in", test: "login-submit" });
  const form = h(
    "form",
    {
      id: "login-form",
      method: "post",
      test: "login-form",
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        errors.replaceChildren();
        try {
          await logIn(email.value.trim(), password.value);
        } catch (error) {
          errors.replaceChildren(loginError(error, email.value.trim()));
          password.value = "";
          submit.disabled = false;
        }
      },
    },
    h("div", { class: "form-row" }, h("label", { for: "id_email" }, "Email:"), email),
    h("div", { class: "form-row" }, h("label", { for: "id_password" }, "Password:"), password),
    h("div", { class: "submit-row" }, submit),
  );
  content.replaceChildren(h("div", { id: "content-main" }, errors, form));
  content.setAttribute("aria-busy", "false");
  email.focus();
}

function loginError(error, email) {
  if (error instanceof ApiError && error.status === 429) {
    const wait = error.retryAfter ? `You can try again in ${duration(error.retryAfter)}.` : "Try again later.";
    return errorNote(error, h("p", { test: "retry-after", "data-seconds": error.retryAfter || "" }, wait));
  }
  if (error instanceof ApiError && error.status === 403) {
    return errorNote(
      error,
      h(
        "p",
        { test: "not-staff" },
        `You are authenticated as ${email}, but are not authorized to access this page. Would you like to log in to a different account?`,
      ),
    );
  }
  return errorNote(error);
}

// The same login as every client's (and its limit of failed attempts); the
// token is kept only once /api/admin/me has accepted it as staff.
async function logIn(email, password) {
  const { token } = await request("POST", "api/users/login/", { body: { email, password }, token: null });
  const me = await request("GET", adminPath("me"), { token });
  sessionStorage.setItem(TOKEN_KEY, token);
  session = { token, me };
  await render();
}

async function resume() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showLogin();
  try {
    session = { token, me: await request("GET", adminPath("me"), { token }) };
  } catch (error) {
    return logOut(error instanceof ApiError ? error.messages : []);
  }
  await render();
}

document.getElementById("logout").addEventListener("click", () => {
  location.hash = "#/";
  logOut();
});
window.addEventListener("hashchange", () => render());
resume();
