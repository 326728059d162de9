// Calls to tidemark's public HTTP APIs, relative to the page's <base> (the server's path prefix),
// with the tenant the user chose (X-Scope-OrgID) and errors turned into messages.

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const TENANT_KEY = 'tidemark.tenant';

export function tenant(): string {
  return localStorage.getItem(TENANT_KEY) ?? '';
}

export function setTenant(value: string): void {
  if (value) localStorage.setItem(TENANT_KEY, value);
  else localStorage.removeItem(TENANT_KEY);
}

// An API path ("api/v1/query") with its parameters, resolved against the page's base.
export function apiUrl(path: string, params?: Record<string, string | string[] | undefined>): string {
  const url = new URL(path, document.baseURI);
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, v);
  }
  return url.toString();
}

// GETs `path` and parses its JSON. Prometheus' envelope ({"status":"error","error":...}) and
// plain-text errors become an ApiError naming the server's message.
export async function getJson<T>(
  path: string,
  params?: Record<string, string | string[] | undefined>,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const t = tenant();
  if (t) headers['X-Scope-OrgID'] = t;
  const response = await fetch(apiUrl(path, params), { headers, signal });
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const b = body as { error?: string; errors?: { msg?: string }[]; message?: string } | undefined;
    const message = b?.error ?? b?.errors?.[0]?.msg ?? b?.message ?? text.trim();
    throw new ApiError(message || `${response.status} ${response.statusText}`, response.status);
  }
  if (body === undefined) throw new ApiError(`${path}: the answer is not JSON`, response.status);
  return body as T;
}

// The data of a Prometheus API answer ({"status":"success","data":...}).
export async function promData<T>(
  path: string,
  params?: Record<string, string | string[] | undefined>,
  signal?: AbortSignal,
): Promise<T> {
  const body = await getJson<{ status: string; data: T; error?: string; warnings?: string[] }>(path, params, signal);
  if (body.status !== 'success') throw new ApiError(body.error ?? 'query failed', 200);
  return body.data;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}
