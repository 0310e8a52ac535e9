// The orders pages: the change list with its filters, an order with its
// tickets, and finding and changing one ticket.

import { ApiError, adminPath, request, session } from "./api.js";
import {
  dateTime,
  errorNote,
  h,
  href,
  labelOf,
  link,
  listPage,
  orderHref,
  readonlyRow,
  statusBadge,
  submitChange,
  ticketHref,
  userHref,
  utcDay,
} from "./widgets.js";

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
      session.me.order_statuses.map(({ code, label }) =>
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

export function orderListPage(params) {
  return listPage({
    path: "/orders/",
    params,
    api: "orders",
    query: ["q", ...ORDER_FILTERS],
    title: "Select order to change",
    crumbs: [["Orders"]],
    search: { placeholder: "Customer name, phone or owner email", keeps: ORDER_FILTERS },
    filters: orderFilters,
    columns: ["Order", "Customer name", "Customer phone", "Status", "Tickets", "Created"],
    row: (order) =>
      h(
        "tr",
        { test: "order-row", "data-order-id": order.order_id },
        h("th", { scope: "row" }, link(orderHref(order.order_id), String(order.order_id), { test: "order-link" })),
        h("td", {}, order.customer_name),
        h("td", { class: "nowrap" }, order.customer_phone),
        h("td", {}, statusBadge(order.status, session.me.order_statuses)),
        h("td", {}, order.ticket_count),
        h("td", { class: "nowrap" }, dateTime(order.created_at)),
      ),
    empty: "No orders match.",
    noun: "orders",
    test: "order-list",
  });
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
          h("td", {}, statusBadge(change.from_status, session.me.ticket_statuses)),
          h("td", {}, statusBadge(change.to_status, session.me.ticket_statuses)),
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
  if (!session.me.can.change_tickets) return statusBadge(ticket.status, session.me.ticket_statuses);
  const select = h(
    "select",
    { name: "status", test: "ticket-status-select", "aria-label": "Status" },
    session.me.ticket_statuses.map(({ code, label }) =>
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
        await submitChange(button, errors, async () => {
          const change = await request("POST", adminPath(`tickets/${encodeURIComponent(ticket.code)}/status`), {
            body: { status: select.value },
          });
          const label = labelOf(session.me.ticket_statuses, change.status);
          return change.outcome === "applied"
            ? `The ticket “${change.code}” was changed to ${label}.`
            : `The ticket “${change.code}” already was ${label}; nothing changed.`;
        });
      },
    },
    statusBadge(ticket.status, session.me.ticket_statuses),
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
  // An order imported from the seed whose owner had been deleted there has none.
  if (ownerId === null) return h("em", { test: "no-owner" }, "no owner (deleted in the seed)");
  if (!session.me.can.view_users) return h("code", {}, ownerId);
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
    readonlyRow("Status", statusBadge(order.status, session.me.order_statuses), "order-status"),
    readonlyRow("Customer name", order.customer_name, "order-customer-name"),
    readonlyRow("Customer phone", order.customer_phone),
    readonlyRow("Comment", order.comment || "—"),
    readonlyRow("Owner", owner),
    readonlyRow("Created", dateTime(order.created_at)),
    readonlyRow("Last change", dateTime(order.updated_at)),
  );
}

export async function orderDetailPage(params, orderId) {
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

export function ticketFinderPage() {
  return { title: "Find a ticket", crumbs: [["Tickets"]], body: ticketFinder() };
}

export async function ticketDetailPage(params, code) {
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
        readonlyRow("Order status", statusBadge(order.status, session.me.order_statuses), "ticket-order-status"),
        readonlyRow("Customer name", order.customer_name),
        readonlyRow("Owner", owner),
      ),
    ),
  };
}
