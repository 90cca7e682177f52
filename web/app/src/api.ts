// The API client: a cookie session (HttpOnly, set by POST /api/v1/auth/session), so no token
// is ever visible to this page. Writes carry the session's CSRF token, which lives only in this
// module's memory. A 401 triggers one refresh (the server rotates the refresh token inside the
// cookie) and one retry. Or an API token the user pastes: it too lives only in this module's
// memory (never in storage), goes out as `Authorization: Bearer`, and is forgotten on reload.
export interface Meta { page: number; per_page: number; total: number; pages: number }
export interface Page<T> { data: T[]; meta: Meta }
export interface Problem { status: number; code?: string; detail?: string; title?: string }

let csrf = '';
let apiToken = '';

export class ApiError extends Error {
  constructor(public problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
  }
}

async function raw(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (apiToken) headers.Authorization = `Bearer ${apiToken}`;
  else if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  return fetch(path, {
    method,
    headers,
    credentials: apiToken ? 'omit' : 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function fail(r: Response): Promise<never> {
  let p: Problem = { status: r.status };
  try { p = { ...(await r.json()), status: r.status }; } catch { /* not JSON */ }
  throw new ApiError(p);
}

export let onSignedOut: () => void = () => {};
export function setSignedOut(fn: () => void) { onSignedOut = fn; }

async function refresh(): Promise<boolean> {
  if (!csrf) return false;
  const r = await raw('POST', '/api/v1/auth/session/refresh');
  if (!r.ok) { csrf = ''; return false; }
  csrf = (await r.json()).csrf_token;
  return true;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let r = await raw(method, path, body);
  if (r.status === 401 && (await refresh())) r = await raw(method, path, body);
  if (r.status === 401) { csrf = ''; apiToken = ''; onSignedOut(); }
  if (!r.ok) return fail(r);
  return (r.status === 204 ? undefined : await r.json()) as T;
}

/** True when a session cookie is present (the server tells us its CSRF token). */
export async function resume(): Promise<boolean> {
  const r = await fetch('/api/v1/auth/session', { credentials: 'same-origin' });
  if (!r.ok) return false;
  csrf = (await r.json()).csrf_token;
  return true;
}

export async function signIn(username: string, password: string): Promise<void> {
  const r = await raw('POST', '/api/v1/auth/session', { username, password });
  if (!r.ok) return fail(r);
  csrf = (await r.json()).csrf_token;
}

/** Signs in with an API token: checked with GET /api/v1/organization (any valid credential). */
export async function signInWithToken(token: string): Promise<void> {
  apiToken = token.trim();
  const r = await raw('GET', '/api/v1/organization');
  if (!r.ok) { apiToken = ''; return fail(r); }
}

export async function signOut(): Promise<void> {
  if (apiToken) { apiToken = ''; return; } // nothing to revoke: the token outlives the page
  const r = await raw('DELETE', '/api/v1/auth/session');
  csrf = '';
  if (!r.ok && r.status !== 401) return fail(r);
}

export function qs(params: Record<string, string | number | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}
