import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { accountWithToken } from '../support/account-tokens.js';
import { launchBrowser, downloadingContext, type WatchedContext } from '../support/browser.js';
import { linkOf, runCli } from '../support/passdrop-cli.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { sha256File } from '../support/random-files.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const MIB = 1024 * 1024;
const FILE_SIZE = 256 * MIB;

/**
 * Resident memory of every process this test process started (its Chromium: browser, renderers, network and
 * storage services), from Linux's /proc; undefined where there is no /proc. The test server runs inside the
 * test process itself, so it is not counted.
 */
function childrenResidentBytes(): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  const children = new Map<number, number[]>();
  const resident = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // After "pid (comm) ": state, ppid, …; rss (in pages) is the 24th field.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const parent = Number(fields[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
      resident.set(Number(entry), Number(fields[21]) * 4096);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const queue = [...(children.get(process.pid) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    total += resident.get(pid) ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

// The database plays no part in how the browser saves a file: SQLite only.
describe('file downloads in browsers without the File System Access API', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let token: string;
  const directory = mkdtempSync(join(tmpdir(), 'passdrop-download-stream-'));
  const watched: WatchedContext[] = [];

  before(async () => {
    database = await createTestDatabase('sqlite');
    token = await accountWithToken(database, 'streams@example.com');
    server = await startTestServer(database, { env: { PASSDROP_FILE_MAX_FILE_MIB: '512' } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
    rmSync(directory, { recursive: true, force: true });
  });

  async function pushFile(name: string, bytes: Uint8Array): Promise<string> {
    const path = join(directory, name);
    writeFileSync(path, bytes);
    const pushed = await runCli(['push', '--kind', 'file', '--views', '1', '--file', path], { env: { PASSDROP_SERVER: server.url, PASSDROP_TOKEN: token } });
    return linkOf(pushed);
  }

  /** A recipient's page with `window.showSaveFilePicker` gone before any page script runs (Firefox, Safari). */
  async function recipient(options: { serviceWorkers?: 'allow' | 'block' } = {}): Promise<Page> {
    const context = await downloadingContext(browser, { serviceWorkers: options.serviceWorkers ?? 'allow' });
    watched.push(context);
    return context.newPage();
  }

  it('streams a 256 MiB file to disk through our service worker without the page holding it', async () => {
    const link = await pushFile('big stream ü.bin', randomBytes(FILE_SIZE));
    const expected = await sha256File(join(directory, 'big stream ü.bin'));
    const page = await recipient();
    await page.goto(link);
    await page.click('button[type="submit"]');
    await page.waitForSelector('.revealed-files');
    assert.equal(await page.evaluate(() => 'showSaveFilePicker' in window), false);

    // Best-effort memory measurements, sampled about every 200 ms while the file downloads: (1) through the
    // DevTools protocol, the page's live V8 heap plus its ArrayBuffer backing stores (where fetched and
    // decrypted chunks live), each right after a forced collection; (2) the resident memory of all of
    // Chromium's processes (Linux). (1) alone cannot tell a Blob download apart: Chromium keeps a Blob's bytes
    // in its browser process, outside the page's heap; (2) sees them there. Measured on the 2-core test
    // machine for 256 MiB: through this worker the heap peaked 15 MiB and Chromium 82–102 MiB above idle (a
    // fixed cost: the same at 64 MiB); as a Blob, 9 MiB and 281 MiB. Hence the limits: a quarter of the file
    // for the heap, 60% of it for Chromium.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.enable');
    const usage = async (): Promise<number> => {
      await cdp.send('HeapProfiler.collectGarbage');
      const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
      return heap.usedSize + (heap.backingStorageSize ?? 0);
    };
    const idle = await usage();
    let peak = idle;
    const chromiumIdle = childrenResidentBytes();
    let chromiumPeak = chromiumIdle ?? 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await usage().catch(() => peak));
        chromiumPeak = Math.max(chromiumPeak, childrenResidentBytes() ?? 0);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.click('[data-download-position="0"]')]);
    assert.equal(download.suggestedFilename(), 'big stream ü.bin');
    assert.match(download.url(), /\/assets\/download-stream\/[0-9a-f-]{36}\//, 'the download is answered by the service worker');
    const saved = join(directory, 'saved.bin');
    await download.saveAs(saved);
    sampling = false;
    await sampler;
    assert.equal(await sha256File(saved), expected, 'the saved file is the pushed one');
    await page.waitForFunction(() => (document.querySelector('.revealed-files progress') as HTMLProgressElement | null)?.value === 1);

    const registrations = await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).map((registration) => new URL(registration.scope).pathname));
    assert.deepEqual(registrations, ['/assets/download-stream/'], 'the worker controls nothing but its download URLs');
    const growth = peak - idle;
    console.log(`page memory (V8 heap + ArrayBuffer backing stores): idle ${(idle / MIB).toFixed(1)} MiB, peak ${(peak / MIB).toFixed(1)} MiB during a ${FILE_SIZE / MIB} MiB download`);
    assert.ok(growth < FILE_SIZE / 4, `the page grew by ${(growth / MIB).toFixed(1)} MiB while saving a ${FILE_SIZE / MIB} MiB file`);
    if (chromiumIdle !== undefined) {
      const chromiumGrowth = chromiumPeak - chromiumIdle;
      console.log(`Chromium's processes, resident: idle ${(chromiumIdle / MIB).toFixed(0)} MiB, peak ${(chromiumPeak / MIB).toFixed(0)} MiB during the download`);
      assert.ok(chromiumGrowth < FILE_SIZE * 0.6, `Chromium grew by ${(chromiumGrowth / MIB).toFixed(1)} MiB while saving a ${FILE_SIZE / MIB} MiB file`);
    }
    for (const context of watched) assert.deepEqual(context.problems, []);
  });

  it('fails the download, instead of saving it, when a record in the middle of the file was altered', async () => {
    const before = new Set(storedFiles());
    const link = await pushFile('tampered.bin', randomBytes(3 * MIB));
    const [blob] = storedFiles().filter((path) => !before.has(path));
    assert.ok(blob, 'the pushed file is on disk');
    const stored = readFileSync(blob);
    stored[Math.floor(stored.length / 2)]! ^= 0x01;
    writeFileSync(blob, stored);

    const page = await recipient();
    await page.goto(link);
    await page.click('button[type="submit"]');
    await page.waitForSelector('.revealed-files');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-download-position="0"]')]);
    assert.match(download.url(), /\/assets\/download-stream\//);
    assert.notEqual(await download.failure(), null, 'the browser marks the download failed');
    await page.waitForFunction(() => /altered or cut short/.test(document.querySelector('.revealed-files .file-status')?.textContent ?? ''));
  });

  /** Every file under the server's blob directory. */
  function storedFiles(): string[] {
    const root = join(server.config.dataDir, 'files');
    return readdirSync(root, { recursive: true })
      .map((entry) => join(root, String(entry)))
      .filter((path) => statSync(path).isFile());
  }

  it('falls back to a Blob where service workers are unavailable, and the file still arrives intact', async () => {
    const bytes = randomBytes(2 * MIB + 3);
    const link = await pushFile('fallback.bin', bytes);
    const page = await recipient({ serviceWorkers: 'block' });
    await page.goto(link);
    await page.click('button[type="submit"]');
    await page.waitForSelector('.revealed-files');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-download-position="0"]')]);
    assert.equal(download.suggestedFilename(), 'fallback.bin');
    assert.match(download.url(), /^blob:/);
    const saved = join(directory, 'fallback-saved.bin');
    await download.saveAs(saved);
    assert.equal(createHash('sha256').update(readFileSync(saved)).digest('hex'), createHash('sha256').update(bytes).digest('hex'));
  });
});
