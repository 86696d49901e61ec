import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { createPush } from './push-helpers.js';
import type { TestServer } from './test-server.js';
import { chooseCustomExpiry } from './create-form.js';

/** One page in one state, for the screenshots script and the layout invariants test. */
export interface TourStop {
  /** File-name-safe: 'create-text', 'dashboard', 'reveal-step-passphrase'. */
  readonly name: string;
  /** Signed in as the admin (who also owns pushes) or a visitor. */
  readonly who: 'visitor' | 'admin';
  /** Brings the page to the state to look at (navigates; may click). */
  readonly visit: (page: Page, server: TestServer) => Promise<void>;
}

export interface Tour {
  readonly stops: readonly TourStop[];
  /** The admin's signed-in session, to start contexts from (`storageState`). */
  readonly adminState: NonNullable<BrowserContextOptions['storageState']>;
}

const PASSWORD = 'a long enough password for the tour';

async function goto(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForLoadState('load');
}

/**
 * Prepares a fresh server so every page has something to show: the first admin made on the first-run page,
 * pushes they own (end to end and server-encrypted, one expired), anonymous pushes with and without a
 * passphrase behind the reveal step (opening them never uses a view), and a request. Returns the stops.
 */
export async function prepareTour(server: TestServer, browser: Browser): Promise<Tour> {
  const code = /one-time code: ([A-Za-z0-9_-]{22})/.exec(server.logs.join(''))?.[1];
  if (!code) throw new Error('the first-run code is not in the logs');
  const context = await browser.newContext();
  const page = await context.newPage();
  await goto(page, `${server.url}/setup`);
  await page.fill('#field-code', code);
  await page.fill('#field-email', 'admin@example.com');
  await page.fill('#field-password', PASSWORD);
  await Promise.all([page.waitForURL(/\/admin$/), page.click('button[type="submit"]')]);

  // Pushes the admin owns: an end-to-end text push (the browser path) and a server-encrypted URL push.
  async function createOwned(tab: string, payload: string, name: string): Promise<string> {
    await goto(page, `${server.url}/?tab=${tab}`);
    await page.fill('#payload', payload);
    await page.evaluate(() => {
      const records = document.querySelector('details.advanced');
      if (records instanceof HTMLDetailsElement) records.open = true;
    });
    await page.fill('#name', name);
    await Promise.all([page.waitForURL(/\/p\/[^/]+\/preview/), page.click('form.create-form button[type="submit"]')]);
    return page.inputValue('#secret-link');
  }
  const e2eLink = await createOwned('text', 'correct horse battery staple', 'Wi-Fi password');
  await createOwned('url', 'https://example.com/onboarding', 'Onboarding checklist');
  const expiring = await createOwned('text', 'old secret', 'Old deploy key');
  // Used up: its one view is spent through the browser.
  const spent = await browser.newPage();
  await goto(spent, expiring);
  await spent.click('form.reveal-form button[type="submit"]').catch(() => undefined);
  await spent.waitForSelector('#secret-text', { state: 'attached', timeout: 10_000 }).catch(() => undefined);
  await spent.close();
  const e2eToken = /\/p\/([^/]+)\//.exec(e2eLink)![1]!;

  await goto(page, `${server.url}/dashboard/requests/new`);
  const adminState = await context.storageState();
  await context.close();

  const step = await createPush(server, { payload: 'server secret', expire_after_views: 100, retrieval_step: true });
  const withPassphrase = await createPush(server, { payload: 'server secret', expire_after_views: 100, retrieval_step: true, passphrase: 'by phone' });
  const qr = await createPush(server, { kind: 'qr', payload: 'WIFI:S:office;T:WPA;P:correct horse;;', expire_after_views: 100, retrieval_step: true });

  const open = (path: string) => async (p: Page, s: TestServer) => goto(p, `${s.url}${path}`);
  const stops: TourStop[] = [
    { name: 'create-text', who: 'visitor', visit: open('/?tab=text') },
    { name: 'create-url', who: 'visitor', visit: open('/?tab=url') },
    { name: 'create-qr', who: 'visitor', visit: open('/?tab=qr') },
    { name: 'create-file', who: 'admin', visit: open('/?tab=file') },
    {
      name: 'create-errors',
      who: 'visitor',
      visit: async (p, s) => {
        await goto(p, `${s.url}/?tab=text`);
        await chooseCustomExpiry(p);
        await p.fill('#expire_after_views', '0');
        await p.click('form.create-form button[type="submit"]');
      },
    },
    { name: 'share-server', who: 'visitor', visit: open(`/p/${step.token}/preview`) },
    { name: 'share-e2e', who: 'admin', visit: async (p, s) => goto(p, `${s.url}/p/${e2eToken}/preview`) },
    { name: 'reveal-step', who: 'visitor', visit: open(`/p/${step.token}/r`) },
    { name: 'reveal-step-passphrase', who: 'visitor', visit: open(`/p/${withPassphrase.token}/r`) },
    {
      name: 'revealed-text',
      who: 'visitor',
      visit: async (p, s) => {
        await goto(p, `${s.url}/p/${step.token}/r`);
        await Promise.all([p.waitForLoadState('load'), p.click('form.reveal-form button[type="submit"]')]);
        await p.waitForSelector('#secret-text', { state: 'attached' });
      },
    },
    {
      name: 'revealed-qr',
      who: 'visitor',
      visit: async (p, s) => {
        await goto(p, `${s.url}/p/${qr.token}/r`);
        await Promise.all([p.waitForLoadState('load'), p.click('form.reveal-form button[type="submit"]')]);
        await p.waitForSelector('#secret-text', { state: 'attached' });
      },
    },
    { name: 'expired', who: 'visitor', visit: open('/p/AAAAAAAAAAAAAAAAAAAAAA') },
    { name: 'not-found', who: 'visitor', visit: open('/no-such-page') },
    { name: 'sign-in', who: 'visitor', visit: open('/account/sign-in') },
    { name: 'sign-up', who: 'visitor', visit: open('/account/sign-up') },
    { name: 'forgot-password', who: 'visitor', visit: open('/account/forgot-password') },
    { name: 'dashboard', who: 'admin', visit: open('/dashboard') },
    { name: 'dashboard-expired', who: 'admin', visit: open('/dashboard?status=expired') },
    { name: 'dashboard-empty', who: 'admin', visit: open('/dashboard?q=nothing-matches') },
    { name: 'push-detail', who: 'admin', visit: open(`/dashboard/pushes/${e2eToken}`) },
    { name: 'requests', who: 'admin', visit: open('/dashboard/requests') },
    { name: 'request-new', who: 'admin', visit: open('/dashboard/requests/new') },
    { name: 'account', who: 'admin', visit: open('/account') },
    { name: 'two-factor', who: 'admin', visit: open('/account/two-factor') },
    { name: 'tokens', who: 'admin', visit: open('/account/tokens') },
    { name: 'webhooks', who: 'admin', visit: open('/account/webhooks') },
    { name: 'receipts', who: 'admin', visit: open('/account/notifications') },
    { name: 'inbox', who: 'admin', visit: open('/account/inbox') },
    { name: 'admin-users', who: 'admin', visit: open('/admin') },
    { name: 'admin-audit', who: 'admin', visit: open('/admin/audit') },
    { name: 'admin-webhooks', who: 'admin', visit: open('/admin/webhooks') },
  ];
  return { stops, adminState };
}
