// The audit trail: every change made in the admin, newest first.

import { dateTime, h, link, listPage, orderHref, ticketHref, userHref } from "./widgets.js";

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

export function auditPage(params) {
  return listPage({
    path: "/audit/",
    params,
    api: "audit",
    title: "Audit trail",
    subtitle: "Every change made in the admin, newest first.",
    crumbs: [["Audit trail"]],
    columns: ["When", "Who", "Action", "Target", "Before", "After"],
    row: (entry) =>
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
    empty: "Nothing has been changed in the admin yet.",
    noun: "entries",
    test: "audit-list",
  });
}
