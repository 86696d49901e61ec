// Layout invariants on every page of the tour (test/support/page-tour.ts), at 320 px, light and dark:
// no horizontal overflow, tap targets of at least 24 × 24 px (WCAG 2.2 2.5.8, with its spacing and inline
// exceptions), a visible focus ring on every element the keyboard reaches, axe clean, and no console errors or
// CSP violations.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { assertAccessible, launchBrowser, watchedContext } from '../support/browser.js';
import { focusWithoutRing, LAYOUT_CHECKS_INIT, smallTargets } from '../support/layout-checks.js';
import { prepareTour, type Tour } from '../support/page-tour.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const WIDTH = 320;

describe('layout invariants on every page at 320 px', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let tour: Tour;
  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database, { firstRun: 'pending' });
    browser = await launchBrowser();
    tour = await prepareTour(server, browser);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`holds on every page in the ${scheme} scheme: no overflow, 24 px targets, focus rings, axe clean, no console or CSP errors`, async () => {
      const failures: string[] = [];
      for (const who of ['visitor', 'admin'] as const) {
        const watched = await watchedContext(browser, {
          viewport: { width: WIDTH, height: 640 },
          colorScheme: scheme,
          ...(who === 'admin' ? { storageState: tour.adminState } : {}),
        });
        await watched.context.addInitScript(LAYOUT_CHECKS_INIT);
        await watched.context.addInitScript(() => {
          document.addEventListener('securitypolicyviolation', (event) => {
            console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
          });
        });
        const page = await watched.newPage();
        for (const stop of tour.stops.filter((candidate) => candidate.who === who)) {
          const where = `${stop.name} (${scheme})`;
          await stop.visit(page, server);
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
          if (overflow > 0) failures.push(`${where}: the page scrolls sideways by ${overflow} px`);
          for (const target of await smallTargets(page)) failures.push(`${where}: tap target ${target}`);
          for (const element of await focusWithoutRing(page)) failures.push(`${where}: no focus ring on ${element}`);
          try {
            await assertAccessible(page, where);
          } catch (error) {
            failures.push((error as Error).message.split('\n').slice(0, 12).join('\n'));
          }
          for (const problem of watched.problems.splice(0)) failures.push(`${where}: ${problem}`);
        }
        await watched.context.close();
      }
      assert.deepEqual(failures, []);
    });
  }
});
