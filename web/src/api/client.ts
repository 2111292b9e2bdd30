import { navigate } from '../router/router.js';

/**
 * The one way the console talks to the control plane: same-origin fetch with the session
 * cookie, the CSRF header on mutating requests, the API's `{error: {code, message}}` turned
 * into an ApiError, and a 401 sending the user to the login page and back afterwards.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Paths where a 401 is an answer for the page (wrong password), not an expired session. */
const NO_REDIRECT = ['/api/auth/login', '/api/auth/me'];

export function loginRedirect(): void {
  const here = window.location.pathname + window.location.search;
  if (window.location.pathname === '/login') return;
  navigate(`/login?next=${encodeURIComponent(here)}`, { replace: true });
}

export async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-DevFlow-CSRF'] = '1';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw new ApiError(0, 'network', `Cannot reach the control plane (${(cause as Error).message}). Check your connection and retry.`);
  }
  if (response.status === 401 && !NO_REDIRECT.includes(path)) loginRedirect();
  const text = await response.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) throw toApiError(response.status, data);
  return data as T;
}

function toApiError(status: number, data: unknown): ApiError {
  const error = (data as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
  if (error && typeof error.message === 'string') return new ApiError(status, error.code ?? 'error', error.message, error.details);
  const text = typeof data === 'string' && data.length < 300 ? data : '';
  return new ApiError(status, 'http_' + status, text || `The control plane answered ${status}.`);
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  del: <T>(path: string) => request<T>('DELETE', path),
};

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
