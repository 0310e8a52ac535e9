// The Catalyst administration: one page that talks to /api/admin/ with the
// staff member's token, laid out like the Django admin. This module draws the
// frame (breadcrumbs, messages, the login) and routes #/path/ to the pages of
// users.js, orders.js, integrators.js and audit.js. Every piece of data is put into the page as
// text nodes or attribute values, never as markup.

import { ApiError, adminPath, handleExpiredSession, onSessionExpired, request, session } from "./api.js";
import { auditPage } from "./audit.js";
import { integratorListPage } from "./integrators.js";
import { orderDetailPage, orderListPage, ticketDetailPage, ticketFinderPage } from "./orders.js";
import { userDetailPage, userListPage } from "./users.js";
import { duration, errorNote, h, href, link, notices, onRedraw, route } from "./widgets.js";

const TOKEN_KEY = "catalyst.admin.token";

const content = document.getElementById("content");
const breadcrumbs = document.getElementById("breadcrumbs");
const messages = document.getElementById("messages");
const userTools = document.getElementById("user-tools");

let renderCount = 0;

function homePage() {
  const model = (label, target, test) =>
    h("tr", {}, h("th", { scope: "row" }, link(target, label, { test })), h("td", {}, link(target, "View")));
  const apps = [];
  if (session.me.can.view_users) {
    apps.push(["Users", [model("Users", href("/users/"), "nav-users")]]);
  }
  if (session.me.can.view_orders) {
    apps.push([
      "Orders",
      [model("Orders", href("/orders/"), "nav-orders"), model("Tickets", href("/tickets/"), "nav-tickets")],
    ]);
  }
  if (session.me.can.manage_integrators) {
    apps.push(["Integrators", [model("Signing keys", href("/integrators/"), "nav-integrators")]]);
  }
  // The trail names users and their permissions: the API asks for users.view_user.
  if (session.me.can.view_users) {
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

const ROUTES = [
  [/^\/$/, homePage],
  [/^\/users\/$/, userListPage],
  [/^\/users\/([^/]+)\/$/, userDetailPage],
  [/^\/orders\/$/, orderListPage],
  [/^\/orders\/([^/]+)\/$/, orderDetailPage],
  [/^\/tickets\/$/, ticketFinderPage],
  [/^\/tickets\/([^/]+)\/$/, ticketDetailPage],
  [/^\/integrators\/$/, integratorListPage],
  [/^\/audit\/$/, auditPage],
];

// Drawing a page

function showMessages() {
  messages.replaceChildren(...notices.map((text) => h("li", { class: "success", test: "message" }, text)));
  messages.hidden = notices.length === 0;
  notices.length = 0;
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
  if (!session.me) {
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

function logOut(notice = []) {
  Object.assign(session, { token: null, me: null });
  sessionStorage.removeItem(TOKEN_KEY);
  showLogin(notice);
}

// Login

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
  Object.assign(session, { token, me });
  await render();
}

async function resume() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showLogin();
  try {
    Object.assign(session, { token, me: await request("GET", adminPath("me"), { token }) });
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
onRedraw(render);
onSessionExpired(logOut);
resume();
