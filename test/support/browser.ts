import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Debian's chromium, with the flags this machine's closed network needs, plus `extraArgs` (for example
 * `--host-resolver-rules=MAP passdrop.test 127.0.0.1` to give loopback servers names of other sites).
 */
export function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

export interface WatchedContext {
  readonly context: BrowserContext;
  /** Console errors and CSP violations seen so far; tests assert it stays empty. */
  readonly problems: string[];
  newPage(): Promise<Page>;
}

/** A browser context that records every console error, page error and CSP violation. */
export async function watchedContext(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedContext> {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'], ...options });
  const problems: string[] = [];
  return {
    context,
    problems,
    async newPage() {
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      return page;
    },
  };
}

/**
 * A watched context that accepts downloads and whose pages have no `window.showSaveFilePicker` (as in Firefox
 * and Safari), so files are saved through the download worker, or a Blob where service workers are off: the
 * File System Access picker needs a person.
 */
export async function downloadingContext(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedContext> {
  const watched = await watchedContext(browser, { acceptDownloads: true, ...options });
  await watched.context.addInitScript(() => {
    delete (window as unknown as { showSaveFilePicker?: unknown }).showSaveFilePicker;
  });
  return watched;
}

/** Runs axe-core (WCAG 2.1 A and AA rules) in the page, injected through the DevTools protocol. */
export async function assertAccessible(page: Page, label: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => JSON.stringify(node.target)).join(', ')})`);
  });
  assert.deepEqual(violations, [], `accessibility violations on ${label}`);
}

/** Saves a screenshot under test-screenshots/ when SCREENSHOTS=1 (for a person to look at). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS === '1') await page.screenshot({ path: `test-screenshots/${name}.png`, fullPage: true });
}
