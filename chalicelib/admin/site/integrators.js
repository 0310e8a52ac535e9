// Integrators' signing keys: who may sign status reports, when each key was
// made and last used, and a button that revokes one. Keys are made and rotated
// with `python -m infra.cli integrator`, which alone ever shows a secret.

import { adminPath, request } from "./api.js";
import { dateTime, h, listPage, submitChange } from "./widgets.js";

function revokeButton(key) {
  if (key.revoked_at) return h("span", { test: "revoked-at" }, `Revoked ${dateTime(key.revoked_at)}`);
  const errors = h("div", { test: "revoke-errors" });
  const button = h("button", { type: "button", class: "deletelink", test: "revoke-key" }, "Revoke");
  button.addEventListener("click", async () => {
    // A revoked key cannot come back: the integrator needs a new one (integrator rotate).
    if (!window.confirm(`Revoke the key ${key.key_id} of “${key.name}”? Reports it signs will be refused.`)) return;
    await submitChange(button, errors, async () => {
      const revoked = await request("POST", adminPath(`integrators/keys/${encodeURIComponent(key.key_id)}/revoke`));
      return `The key “${revoked.key_id}” of “${revoked.name}” was revoked.`;
    });
  });
  return h("div", {}, errors, button);
}

export function integratorListPage(params) {
  return listPage({
    path: "/integrators/",
    params,
    api: "integrators",
    title: "Integrators' signing keys",
    subtitle: "Keys are made with python -m infra.cli integrator create and rotate; a revoked key signs nothing.",
    crumbs: [["Integrators"]],
    columns: ["Integrator", "Key id", "Created", "Last used (to the hour)", ""],
    row: (key) =>
      h(
        "tr",
        { test: "key-row", "data-key-id": key.key_id, "data-name": key.name },
        h("th", { scope: "row", test: "key-integrator" }, key.name),
        h("td", {}, h("code", { test: "key-id" }, key.key_id)),
        h("td", { class: "nowrap" }, dateTime(key.created_at)),
        h("td", { class: "nowrap", test: "key-last-used" }, key.last_used_at ? dateTime(key.last_used_at) : "Never"),
        h("td", {}, revokeButton(key)),
      ),
    empty: "No integrators yet.",
    noun: "keys",
    test: "key-list",
  });
}
