// Same-origin JSON calls; problem+JSON errors become exceptions with the server's message.
export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.message)) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// The CSRF token set at login (cookie onemap_csrf); the server wants it echoed in
// X-CSRF-Token on every state-changing request of a cookie session.
export function csrfToken() {
  const hit = document.cookie.split("; ").find((c) => c.startsWith("onemap_csrf="));
  return hit ? decodeURIComponent(hit.slice("onemap_csrf=".length)) : "";
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export async function request(method, path, body, headers = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  const token = SAFE.has(method.toUpperCase()) ? "" : csrfToken();
  if (token) init.headers["X-CSRF-Token"] = token;
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    if (!init.headers["Content-Type"]) init.headers["Content-Type"] = "application/json";
  }
  const resp = await fetch(path, init);
  const type = resp.headers.get("content-type") || "";
  const data = type.includes("json") ? await resp.json() : await resp.text();
  if (!resp.ok) throw new ApiError(resp.status, typeof data === "object" ? data : { detail: data });
  return data;
}

export const getJSON = (path) => request("GET", path);
export const postJSON = (path, body, headers) => request("POST", path, body, headers);

let openapi = null;
// Which routes exist: panels appear as the capabilities land.
export async function hasRoute(path, method = "get") {
  if (!openapi) openapi = await getJSON("/api");
  const entry = openapi.paths[path];
  return Boolean(entry && entry[method]);
}
export async function routes() {
  if (!openapi) openapi = await getJSON("/api");
  return openapi.paths;
}
