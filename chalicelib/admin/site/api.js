// The admin's API client: requests to /api/ with the signed-in staff member's
// token, and what the API says about them.

// The page is served at <app root>/admin/, under whatever stage prefix the URL has.
const APP_ROOT = new URL("../", location.href);

// The staff member signed in: the token and /api/admin/me's answer (what they
// may do, the statuses and permissions there are), or nulls.
export const session = { token: null, me: null };

export class ApiError extends Error {
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

export async function request(method, path, { body, token = session.token } = {}) {
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

export function adminPath(path, params = {}) {
  return `api/admin/${path}${queryString(params)}`;
}

// "?a=1&b=2" from the parameters that have a value; "" when none has.
export function queryString(params) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value)).toString();
  return query ? `?${query}` : "";
}

let sessionExpired = () => {};

export function onSessionExpired(handle) {
  sessionExpired = handle;
}

// A 401 means the token no longer works (expired, password changed, deactivated).
export function handleExpiredSession(error) {
  if (!(error instanceof ApiError) || error.status !== 401 || !session.token) return false;
  sessionExpired([...error.messages, "Please log in again."]);
  return true;
}
