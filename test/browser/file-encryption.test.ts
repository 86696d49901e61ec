import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, watchedContext, type WatchedContext } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** The bundles of scripts/build-browser.mjs, imported into the page by their served URLs. */
interface Bundles {
  recordStream: typeof import('../../src/crypto/stream/record-stream.js');
  fileMetadata: typeof import('../../src/crypto/stream/file-metadata.js');
  e2eFiles: typeof import('../../src/crypto/e2e/e2e-files.js');
}

describe("the file encryption format in Chromium's WebCrypto", () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let watched: WatchedContext;
  let page: Page;
  before(async () => {
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database);
    browser = await launchBrowser();
    watched = await watchedContext(browser);
    page = await watched.newPage();
    await page.goto(server.url);
    // tsx compiles the functions below with esbuild's keepNames, which calls a __name helper the page lacks.
    await page.evaluate('globalThis.__name = (target) => target');
    // Loads the three bundles once, next to the page's own common.js.
    await page.evaluate(async () => {
      const common = [...document.querySelectorAll('script[src]')].map((script) => script.getAttribute('src')!).find((src) => src.includes('common.js'))!;
      const load = (name: string) => import(common.replace(/common\.js(\?.*)?$/, `${name}.js`));
      const bundles = { recordStream: await load('record-stream'), fileMetadata: await load('file-metadata'), e2eFiles: await load('e2e-files') };
      (globalThis as unknown as { bundles: unknown }).bundles = bundles;
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await database?.drop();
  });

  const vectors = JSON.parse(readFileSync('docs/file-encryption-test-vectors.json', 'utf8')) as {
    streams: Array<{ description: string; fileKey: string; purpose: 'file-content' | 'file-metadata'; recordSize: number; salt: string; plaintext: string; ciphertext: string }>;
    failures: Array<{ description: string; fileKey: string; purpose: 'file-content' | 'file-metadata'; ciphertext: string; error: string }>;
    e2eFiles: Array<{ description: string; linkSecret: string; passphrase: string | null; iterations: number; fileRoot: string; accessProof: string | null; index: number; fileKey: string; metadata: unknown; sealedMetadata: string; plaintext: string; ciphertext: string }>;
  };

  it('opens and re-seals every stream vector byte for byte', async () => {
    const results = await page.evaluate(async (streams) => {
      const { recordStream } = (globalThis as unknown as { bundles: Bundles }).bundles;
      const bytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
      const hex = (value: Uint8Array) => Array.from(value, (byte) => byte.toString(16).padStart(2, '0')).join('');
      return Promise.all(
        streams.map(async (vector) => {
          const options = { fileKey: bytes(vector.fileKey), purpose: vector.purpose };
          const opened = hex(await recordStream.openRecords(bytes(vector.ciphertext), options));
          const resealed = hex(await recordStream.sealRecords(bytes(vector.plaintext), { ...options, recordSize: vector.recordSize, fixedSaltForTestVectors: bytes(vector.salt) }));
          return { description: vector.description, opened, resealed };
        }),
      );
    }, vectors.streams);
    assert.deepEqual(
      results,
      vectors.streams.map((vector) => ({ description: vector.description, opened: vector.plaintext, resealed: vector.ciphertext })),
    );
  });

  it('refuses every failure vector with its stated reason', async () => {
    const reasons = await page.evaluate(async (failures) => {
      const { recordStream } = (globalThis as unknown as { bundles: Bundles }).bundles;
      const bytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
      return Promise.all(
        failures.map((vector) =>
          recordStream.openRecords(bytes(vector.ciphertext), { fileKey: bytes(vector.fileKey), purpose: vector.purpose }).then(
            () => `${vector.description}: opened`,
            (error: unknown) => `${vector.description}: ${error instanceof recordStream.RecordStreamError ? error.reason : String(error)}`,
          ),
        ),
      );
    }, vectors.failures);
    assert.deepEqual(reasons, vectors.failures.map((vector) => `${vector.description}: ${vector.error}`));
  });

  it('derives the E2E file keys from the link secret and opens each file and its metadata', async () => {
    const results = await page.evaluate(async (files) => {
      const { e2eFiles, fileMetadata, recordStream } = (globalThis as unknown as { bundles: Bundles }).bundles;
      const bytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));
      const hex = (value: Uint8Array) => Array.from(value, (byte) => byte.toString(16).padStart(2, '0')).join('');
      return Promise.all(
        files.map(async (vector) => {
          const { fileRoot, accessProof } = await e2eFiles.deriveE2eFileRoot({ linkSecret: vector.linkSecret, ...(vector.passphrase ? { passphrase: vector.passphrase, iterations: vector.iterations } : {}) });
          const fileKey = await e2eFiles.e2eFileKey(fileRoot, vector.index);
          const sealedMetadata = bytes(vector.sealedMetadata);
          return {
            fileRoot: hex(fileRoot),
            accessProof,
            fileKey: hex(fileKey),
            metadata: await e2eFiles.openE2eFileMetadata(sealedMetadata, fileKey),
            resealedMetadata: hex(await fileMetadata.sealFileMetadata(vector.metadata as never, fileKey, { fixedSaltForTestVectors: recordStream.parseRecordStreamHeader(sealedMetadata).salt })),
            plaintext: hex(await recordStream.openRecords(bytes(vector.ciphertext), { fileKey, purpose: 'file-content' })),
          };
        }),
      );
    }, vectors.e2eFiles);
    assert.deepEqual(
      results,
      vectors.e2eFiles.map((vector) => ({
        fileRoot: vector.fileRoot,
        accessProof: vector.accessProof,
        fileKey: vector.fileKey,
        metadata: vector.metadata,
        resealedMetadata: vector.sealedMetadata,
        plaintext: vector.plaintext,
      })),
    );
  });

  it('streams 64 MiB through encryption and decryption in the page, record by record', async () => {
    const result = await page.evaluate(async () => {
      const { e2eFiles } = (globalThis as unknown as { bundles: Bundles }).bundles;
      const { fileRoot } = await e2eFiles.deriveE2eFileRoot({ linkSecret: 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8' });
      const fileKey = await e2eFiles.e2eFileKey(fileRoot, 0);
      const block = Uint8Array.from({ length: 65_536 * 3 + 17 }, (_, index) => (index * 7 + 3) % 251);
      const total = 64 * 1024 * 1024;
      let produced = 0;
      const source = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (produced >= total) return controller.close();
          const part = block.slice(0, Math.min(block.length, total - produced));
          produced += part.length;
          controller.enqueue(part);
        },
      });
      let checked = 0;
      let mismatches = 0;
      let sealedBytes = 0;
      const started = performance.now();
      await source
        .pipeThrough(e2eFiles.encryptE2eFile(fileKey))
        .pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ transform: (part, controller) => { sealedBytes += part.length; controller.enqueue(part); } }))
        .pipeThrough(e2eFiles.decryptE2eFile(fileKey))
        .pipeTo(
          new WritableStream({
            write(part) {
              for (let index = 0; index < part.length; index += 1) if (part[index] !== block[(checked + index) % block.length]) mismatches += 1;
              checked += part.length;
            },
          }),
        );
      return { checked, mismatches, sealedBytes, seconds: (performance.now() - started) / 1000 };
    });
    assert.equal(result.checked, 64 * 1024 * 1024);
    assert.equal(result.mismatches, 0);
    assert.equal(result.sealedBytes, 42 + 64 * 1024 * 1024 + 1024 * 16);
    assert.deepEqual(watched.problems, []);
  });
});
