// `npm run bench:weight`: the JavaScript the built pages make a browser download, gzipped, against the budgets of
// the UI issue (delivery page 30 KB, create page 80 KB). Measured in Chromium from the running built server:
// every script response a page loads (entry, shared chunks, chunks reached through import()), each body gzipped
// once (zlib level 6, what a reverse proxy typically uses). Figures, never assertions; `npm run bench` prints the
// same table.
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser.js';
import { startPassdrop, stopTarget } from './bench-support.js';

/** 1 KB = 1000 bytes here, as the budgets are written. */
const KB = 1000;
export const DELIVERY_BUDGET = 30 * KB;
export const CREATE_BUDGET = 80 * KB;

export interface PageWeight {
  readonly page: string;
  readonly budget: number;
  /** Script file names (last path segment) in load order. */
  readonly scripts: readonly string[];
  readonly rawBytes: number;
  readonly gzipBytes: number;
}

/** Records every script the page downloads while `visit` runs, deduplicated by URL (a cached file loads once). */
async function weigh(page: Page, name: string, budget: number, visit: () => Promise<void>): Promise<PageWeight> {
  const bodies = new Map<string, Promise<Buffer>>();
  const listener = (response: import('playwright-core').Response) => {
    if (response.request().resourceType() === 'script' && !bodies.has(response.url())) bodies.set(response.url(), response.body());
  };
  page.on('response', listener);
  try {
    await visit();
    await page.waitForLoadState('networkidle');
  } finally {
    page.off('response', listener);
  }
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const body of bodies.values()) {
    const bytes = await body;
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes, { level: 6 }).length;
  }
  const scripts = [...bodies.keys()].map((url) => new URL(url).pathname.split('/').pop() ?? url);
  return { page: name, budget, scripts, rawBytes, gzipBytes };
}

/**
 * Loads the create page and the delivery page (a text and a QR push made end to end on the create page, each
 * revealed) of the Passdrop at `baseUrl` in a fresh Chromium, and weighs their scripts.
 */
export async function measurePageWeights(baseUrl: string): Promise<PageWeight[]> {
  const browser = await launchBrowser();
  try {
    const rows: PageWeight[] = [];
    const fresh = async () => (await browser.newContext()).newPage();

    const page = await fresh();
    rows.push(await weigh(page, 'create page (/?tab=text)', CREATE_BUDGET, async () => {
      await page.goto(`${baseUrl}/?tab=text`);
    }));
    await page.context().close();

    // The links browser-made (end-to-end) pushes get: created on the create page, the key in the fragment.
    const link = async (tab: string, payload: string) => {
      const creator = await fresh();
      await creator.goto(`${baseUrl}/?tab=${tab}`);
      await creator.fill('#payload', payload);
      await Promise.all([creator.waitForURL(/\/p\/[^/]+\/preview/), creator.click('form.create-form button[type="submit"]')]);
      const url = await creator.inputValue('#secret-link');
      await creator.context().close();
      return url;
    };
    const deliveries = [
      ['delivery page (text, revealed)', await link('text', 'correct horse battery staple')],
      ['delivery page (QR, revealed)', await link('qr', 'WIFI:S:office;T:WPA;P:correct horse;;')],
    ] as const;
    for (const [name, url] of deliveries) {
      const page = await fresh();
      rows.push(await weigh(page, name, DELIVERY_BUDGET, async () => {
        await page.goto(url);
        await Promise.all([page.waitForLoadState('load'), page.click('form.reveal-form button[type="submit"]')]);
        await page.waitForSelector('#secret-text', { state: 'attached' });
      }));
      await page.context().close();
    }
    return rows;
  } finally {
    await browser.close();
  }
}

/** Prints one line per page: gzipped and raw JavaScript bytes, the budget, and the files loaded. */
export function printPageWeights(rows: readonly PageWeight[]): void {
  const kb = (bytes: number) => `${(bytes / KB).toFixed(1)} KB`;
  console.log('\nJavaScript per page (gzipped, as loaded by Chromium from the built server; 1 KB = 1000 bytes):');
  const width = Math.max(...rows.map((row) => row.page.length));
  for (const row of rows) {
    const verdict = row.gzipBytes <= row.budget ? 'within budget' : 'OVER BUDGET';
    console.log(`  ${row.page.padEnd(width)}  ${kb(row.gzipBytes).padStart(8)} gzipped of ${kb(row.budget)} budget (${((100 * row.gzipBytes) / row.budget).toFixed(0)}%), ${kb(row.rawBytes)} raw, ${verdict}`);
    console.log(`  ${''.padEnd(width)}  ${row.scripts.join(', ')}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const passdrop = await startPassdrop();
  try {
    printPageWeights(await measurePageWeights(passdrop.url));
  } finally {
    await stopTarget(passdrop);
  }
}
