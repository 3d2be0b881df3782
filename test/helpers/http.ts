// A logged-in HTTP client for tests: keeps the session cookie and sends the CSRF token.
import { TEST_PASSWORD } from './stack';

export interface Client {
  cookie: string;
  csrf: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  json(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
}

export function cookiesFrom(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .filter((c) => !c.endsWith('='))
    .join('; ');
}

export async function loginAs(base: string, usuario: string, password = TEST_PASSWORD): Promise<Client> {
  const res = await fetch(`${base}/api/v1/sesiones`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ usuario, password }),
  });
  const body = (await res.json()) as any;
  if (res.status !== 200) throw new Error(`login ${usuario}: ${res.status} ${JSON.stringify(body)}`);
  return clientWith(base, cookiesFrom(res), body.csrfToken);
}

export function clientWith(base: string, cookie: string, csrf: string): Client {
  const json = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', cookie, 'x-csrf-token': csrf, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    cookie,
    csrf,
    get: (path, headers = {}) => fetch(`${base}${path}`, { headers: { accept: 'application/json', cookie, ...headers } }),
    json,
    post: (path, body, headers) => json('POST', path, body ?? {}, headers),
  };
}
