// Renders every page and state (test/support/page-tour.ts) at 360, 768 and 1280 px, light and dark,
// left-to-right (English) and right-to-left (Arabic), into screenshots/<page>/<width>-<scheme>-<dir>.png
// (not committed), for a person to look at. Needs the built assets: npm run screenshots
// SCREENSHOT_ONLY=dashboard,create-text limits the pages; SCREENSHOT_WIDTHS=360,1280 the widths.
import { mkdirSync, rmSync } from 'node:fs';
import { launchBrowser } from '../test/support/browser.js';
import { prepareTour } from '../test/support/page-tour.js';
import { createTestDatabase } from '../test/support/test-databases.js';
import { startTestServer } from '../test/support/test-server.js';
import { LANGUAGE_COOKIE } from '../src/web/i18n/languages.js';

const out = 'screenshots';
const widths = (process.env.SCREENSHOT_WIDTHS ?? '360,768,1280').split(',').map(Number);
const only = process.env.SCREENSHOT_ONLY?.split(',');
const database = await createTestDatabase('sqlite');
const server = await startTestServer(database, { env: { LOG_LEVEL: 'info' }, firstRun: 'pending' });
const browser = await launchBrowser();
let count = 0;
try {
  const tour = await prepareTour(server, browser);
  rmSync(out, { recursive: true, force: true });
  const stops = tour.stops.filter((stop) => !only || only.includes(stop.name));
  for (const width of widths) {
    for (const scheme of ['light', 'dark'] as const) {
      for (const [dir, lang] of [['ltr', 'en'], ['rtl', 'ar']] as const) {
        for (const who of ['visitor', 'admin'] as const) {
          const context = await browser.newContext({
            viewport: { width, height: width < 500 ? 780 : 900 },
            colorScheme: scheme,
            permissions: ['clipboard-read', 'clipboard-write'],
            ...(who === 'admin' ? { storageState: tour.adminState } : {}),
          });
          await context.addCookies([{ name: LANGUAGE_COOKIE, value: lang, url: server.url }]);
          const page = await context.newPage();
          for (const stop of stops.filter((candidate) => candidate.who === who)) {
            mkdirSync(`${out}/${stop.name}`, { recursive: true });
            await stop.visit(page, server);
            await page.screenshot({ path: `${out}/${stop.name}/${width}-${scheme}-${dir}.png`, fullPage: true });
            count++;
          }
          await context.close();
        }
      }
    }
  }
} finally {
  await browser.close();
  await server.stop();
  await database.drop();
}
console.log(`wrote ${count} screenshots to ${out}/`);
