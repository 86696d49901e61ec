import type { TestServer } from './test-server.js';

/**
 * A tiny browser stand-in for HTTP tests: keeps cookies, follows no redirects (tests look at them),
 * and sends forms with the CSRF token of the last page it read.
 */
export class WebClient {
  readonly cookies = new Map<string, string>();
  csrfToken: string | undefined;
  lastBody = '';

  constructor(private readonly server: Pick<TestServer, 'url'>) {}

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = (pair ?? '').split('=');
      const expired = attributes.some((attribute) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(attribute));
      if (!name) continue;
      if (expired || value.join('=') === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.join('='));
    }
  }

  private cookieHeader(): Record<string, string> {
    return this.cookies.size === 0 ? {} : { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(`${this.server.url}${path}`, {
      ...init,
      redirect: 'manual',
      // Browsers ask for HTML on navigation and form posts alike.
      headers: { accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8', ...this.cookieHeader(), ...(init.headers as Record<string, string> | undefined) },
    });
    this.remember(response);
    if ((response.headers.get('content-type') ?? '').startsWith('text/html')) {
      this.lastBody = await response.clone().text();
      const match = /<meta name="csrf-token" content="([^"]+)">/.exec(this.lastBody);
      this.csrfToken = match?.[1];
    }
    return response;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.request(path, { headers });
  }

  /** Posts a form; `_csrf` is added from the last page read unless `withCsrf` is false. */
  post(path: string, fields: Record<string, string>, options: { withCsrf?: boolean; headers?: Record<string, string> } = {}): Promise<Response> {
    const body = new URLSearchParams(fields);
    if (options.withCsrf !== false && this.csrfToken) body.set('_csrf', this.csrfToken);
    return this.request(path, {
      method: 'POST',
      body: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
    });
  }

  /** Reads a page, then posts a form from it (as a person would). */
  async submit(pagePath: string, actionPath: string, fields: Record<string, string>): Promise<Response> {
    await this.get(pagePath);
    return this.post(actionPath, fields);
  }

  hiddenField(name: string): string | undefined {
    return new RegExp(`name="${name}" value="([^"]*)"`).exec(this.lastBody)?.[1];
  }
}

export const PASSWORD = 'correct horse battery';

/** Signs up through the web form (no SMTP: the account is signed in at once). */
export async function signUp(client: WebClient, email: string, password = PASSWORD): Promise<Response> {
  return client.submit('/account/sign-up', '/account/sign-up', { email, password });
}

export async function signIn(client: WebClient, email: string, password = PASSWORD): Promise<Response> {
  return client.submit('/account/sign-in', '/account/sign-in', { email, password });
}
