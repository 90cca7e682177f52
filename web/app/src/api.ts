// The API client: a cookie session (HttpOnly, set by POST /api/v1/auth/session), so no token
// is ever visible to this page. Writes carry the session's CSRF token, which lives only in this
// module's memory. A 401 triggers one refresh (the server rotates the refresh token inside the
// cookie) and one retry.
export interface Meta { page: number; per_page: number; total: number; pages: number }
export interface Page<T> { data: T[]; meta: Meta }
export interface Problem { status: number; code?: string; detail?: string; title?: string }

let csrf = '';

export class ApiError extends Error {
  constructor(public problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
  }
}

async function raw(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  return fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
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
  if (r.status === 401) { csrf = ''; onSignedOut(); }
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

export async function signOut(): Promise<void> {
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
