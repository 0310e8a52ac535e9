// The users pages: the change list and a user's change form.

import { adminPath, request, session } from "./api.js";
import {
  dateTime,
  h,
  href,
  link,
  listPage,
  notices,
  readonlyRow,
  redraw,
  submitChange,
  userHref,
  yesNo,
} from "./widgets.js";

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

export function userListPage(params) {
  return listPage({
    path: "/users/",
    params,
    api: "users",
    query: ["q"],
    title: "Select user to change",
    crumbs: [["Users"]],
    search: { placeholder: "Email contains…" },
    columns: ["Email", "First name", "Last name", "Active", "Staff status", "Superuser status", "Permissions"],
    row: (user) =>
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
    empty: "No users match.",
    noun: "users",
    test: "user-list",
  });
}

export async function userDetailPage(params, userId) {
  const user = await request("GET", adminPath(`users/${encodeURIComponent(userId)}`));
  const superuserOnly = user.is_superuser && !session.me.is_superuser;
  const editable = session.me.can.change_users && !superuserOnly;
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
          notices.push("No fields changed.");
          return redraw();
        }
        await submitChange(saveButton, errors, async () => {
          const saved = await request("PATCH", adminPath(`users/${encodeURIComponent(userId)}`), { body: changes });
          return `The user “${saved.email}” was changed successfully.`;
        });
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
