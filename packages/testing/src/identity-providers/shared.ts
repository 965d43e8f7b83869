import { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

/** The claims/attributes of one test user. */
export interface TestIdentity {
  /** OIDC subject / SAML NameID. */
  sub: string;
  /** OIDC preferred_username / SAML attribute "username". */
  username: string;
  /** OIDC name / SAML attribute "displayName". */
  name: string;
  /** OIDC email / SAML attribute "email". */
  email: string;
  /** OIDC "groups" claim in the ID token / SAML multi-valued attribute "groups". */
  groups: string[];
}

/** Where a test identity provider listens. */
export interface ListenOptions {
  /** Default 'localhost': tests keep the IdP on another site than WebStream (127.0.0.1), so cross-site cookie rules apply. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function hiddenFields(fields: Record<string, string | undefined>): string {
  return Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
}

/** The page a person (or Chromium in a test) signs in on: fills "Username", clicks "Sign in". */
export function loginPage(page: {
  title: string;
  action: string;
  fields?: Record<string, string | undefined>;
  error?: string;
}): string {
  const error = page.error === undefined ? '' : `<p role="alert">${escapeHtml(page.error)}</p>`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>Sign in</title></head><body>
<h1>Sign in to ${escapeHtml(page.title)}</h1>${error}
<form method="post" action="${escapeHtml(page.action)}">${hiddenFields(page.fields ?? {})}
<label for="login">Username</label> <input id="login" name="login" autocomplete="username" required autofocus>
<button type="submit">Sign in</button></form></body></html>`;
}

/** A form the browser posts on its own: how an IdP hands a result to another site (the SAML POST binding). */
export function autoSubmitPage(action: string, fields: Record<string, string | undefined>): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Continuing</title></head><body>
<form method="post" action="${escapeHtml(action)}">${hiddenFields(fields)}<noscript><button type="submit">Continue</button></noscript></form>
<script>document.forms[0].submit();</script></body></html>`;
}

/** The first form of a page we (or oidc-provider) rendered: enough to act as the browser without one. */
export function readForm(html: string, base: string): { action: URL; fields: Record<string, string> } {
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`No form on the page: ${html.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const [input] of (form[2] ?? '').matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/i.exec(input)?.[1];
    if (name !== undefined)
      fields[unescapeHtml(name)] = unescapeHtml(/\bvalue="([^"]*)"/i.exec(input)?.[1] ?? '');
  }
  return { action: new URL(unescapeHtml(form[1] ?? ''), base), fields };
}

/** The error a page shows (our login form's alert), else the start of the page: for a failure message. */
export function pageProblem(html: string): string {
  const alert = /<p role="alert">([\s\S]*?)<\/p>/.exec(html)?.[1];
  return alert === undefined ? html.slice(0, 2000) : unescapeHtml(alert);
}

export async function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  let text = '';
  for await (const chunk of req) text += (chunk as Buffer).toString();
  return new URLSearchParams(text);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res
    .writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    .end(html);
}

/** Binds the server; returns its origin as the clients must spell it (the host name, not the address). */
export async function listen(server: Server, options: ListenOptions): Promise<string> {
  const host = options.host ?? 'localhost';
  // 'localhost' may resolve to ::1 first; binding the IPv4 loopback keeps one address per port, and both
  // Chromium and Node's fetch fall back to 127.0.0.1 when ::1 refuses.
  const address = host === 'localhost' ? '127.0.0.1' : host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** One user agent without a browser: its own cookies, and redirects left to the caller. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  async fetch(
    url: URL | string,
    init: { method?: 'GET' | 'POST'; form?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) {
      headers['cookie'] = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    }
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const split = pair.indexOf('=');
      const name = pair.slice(0, split).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', value = ''] = attribute.trim().split('=');
        if (/^max-age$/i.test(key)) return Number(value) <= 0;
        return /^expires$/i.test(key) && Date.parse(value) <= Date.now();
      });
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(split + 1).trim());
    }
    return response;
  }
}

/** Where a redirect response points, resolved against the URL that answered it. */
export function redirectTarget(response: Response, requested: URL | string): URL | undefined {
  const location = response.headers.get('location');
  return response.status >= 300 && response.status < 400 && location
    ? new URL(location, requested)
    : undefined;
}
