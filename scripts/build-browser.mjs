// Bundles the browser modules (no inline script anywhere: the CSP forbids it) and copies the stylesheet
// into build/web-assets, which the server serves under /assets/.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const out = 'build/web-assets';
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: {
    'create-page': 'src/web/browser/create-page.ts',
    'file-push-page': 'src/web/browser/file-push-page.ts',
    'share-page': 'src/web/browser/share-page.ts',
    'reveal-page': 'src/web/browser/reveal-page.ts',
    common: 'src/web/browser/common.ts',
    'request-create-page': 'src/web/browser/request-create-page.ts',
    'request-owner-page': 'src/web/browser/request-owner-page.ts',
    'request-answer-page': 'src/web/browser/request-answer-page.ts',
    passkeys: 'src/web/browser/passkeys.ts',
    // Lets the browser tests check the request answer vectors in Chromium (docs/requests-encryption.md).
    'request-answer-format': 'src/crypto/requests/request-answer-format.ts',
    // Not used by any page: lets the browser tests check the committed test vectors in the browser's own WebCrypto.
    'e2e-format': 'src/crypto/e2e/e2e-format.ts',
    // The record stream of docs/file-encryption.md (the file pages will import it; the browser tests
    // check its test vectors in Chromium through these bundles).
    'record-stream': 'src/crypto/stream/record-stream.ts',
    'file-metadata': 'src/crypto/stream/file-metadata.ts',
    'e2e-files': 'src/crypto/e2e/e2e-files.ts',
  },
  bundle: true,
  // The reveal page loads the QR encoder only for QR pushes (a separate chunk).
  splitting: true,
  chunkNames: 'chunk-[hash]',
  format: 'esm',
  minify: true,
  target: ['es2022'],
  outdir: out,
  logLevel: 'warning',
  legalComments: 'none',
});
// The download service worker is a classic script of its own (module service workers are not everywhere yet).
await build({
  entryPoints: { 'download-sw': 'src/web/browser/download-sw.ts' },
  bundle: true,
  format: 'iife',
  minify: true,
  target: ['es2022'],
  outdir: out,
  logLevel: 'warning',
  legalComments: 'none',
});
copyFileSync('src/web/assets/passdrop.css', `${out}/passdrop.css`);

// The icon sprite: only the Lucide icons listed in src/web/icon-names.ts, each a <symbol> (docs/ui.md).
const names = await build({ entryPoints: ['src/web/icon-names.ts'], write: false, format: 'esm', logLevel: 'warning' });
const { ICON_NAMES } = await import(`data:text/javascript;base64,${Buffer.from(names.outputFiles[0].text).toString('base64')}`);
const lucide = join(dirname(createRequire(import.meta.url).resolve('lucide-static/package.json')), 'icons');
const symbols = ICON_NAMES.map((name) => {
  const source = readFileSync(join(lucide, `${name}.svg`), 'utf8');
  const inner = source.slice(source.indexOf('>', source.indexOf('<svg')) + 1, source.lastIndexOf('</svg>')).replace(/\s+/g, ' ').trim();
  return `<symbol id="${name}" viewBox="0 0 24 24">${inner}</symbol>`;
});
writeFileSync(
  `${out}/icons.svg`,
  `<svg xmlns="http://www.w3.org/2000/svg" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><!-- Lucide icons, ISC licence (lucide.dev) -->${symbols.join('')}</svg>\n`,
);

// Favicon and touch icons (committed; regenerate with scripts/build-icons.ts when the mark changes).
for (const name of readdirSync('src/web/assets/favicons')) copyFileSync(`src/web/assets/favicons/${name}`, `${out}/${name}`);
