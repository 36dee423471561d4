// The hookd REST API as the dashboard uses it: one token per browser tab (sessionStorage), sent
// as a bearer token; errors become ApiError with the server's status and detail.
const KEY = "hookd.token";

export const token = {
  get: () => sessionStorage.getItem(KEY),
  set: (t) => sessionStorage.setItem(KEY, t),
  clear: () => sessionStorage.removeItem(KEY),
};

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail || `HTTP ${status}`);
    this.status = status;
  }
}

// Resolves to the parsed JSON body (null for 204). `path` starts after /api/v1, or is the inbox's
// own /ingest/api/v1/... path.
export async function api(method, path, body) {
  const headers = { authorization: `Bearer ${token.get()}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path.startsWith("/ingest/") ? `..${path}` : `../api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    let detail = json?.detail;
    if (Array.isArray(detail)) detail = detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
    throw new ApiError(res.status, typeof detail === "string" ? detail : `HTTP ${res.status}`);
  }
  return json;
}

export const enc = encodeURIComponent;
