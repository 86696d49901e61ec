// Bundles the passdrop command line into one ES module file, dist/passdrop.mjs: its dependencies
// (commander, @clack/prompts, qrcode) and the shared end-to-end format from ../../src/crypto are inside,
// so installing it needs no compiler and no dependency. Usable as `node build-cli.mjs` or imported.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));

/** Builds the bundle to `outfile` (default dist/passdrop.mjs); resolves to its size in bytes. */
export async function buildCli(outfile = join(here, 'dist', 'passdrop.mjs')) {
  const { version } = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'));
  const result = await build({
    entryPoints: [join(here, 'src', 'passdrop-cli-bin.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: ['node20'],
    minify: true,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
    define: { PASSDROP_CLI_VERSION: JSON.stringify(version) },
    // Bundled CommonJS dependencies (qrcode) call require() for Node built-ins.
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __passdropCreateRequire } from 'node:module';\nconst require = __passdropCreateRequire(import.meta.url);",
    },
  });
  writeFileSync(join(dirname(outfile), 'THIRD-PARTY-LICENSES.txt'), thirdPartyLicenses(Object.keys(result.metafile.inputs)));
  return Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
}

/** The licence texts of the packages bundled in, which their (MIT, ISC) licences ask copies to carry. */
function thirdPartyLicenses(inputs) {
  const packages = new Map();
  for (const input of inputs) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (!match || packages.has(match[1])) continue;
    const root = join(process.cwd(), match[1]);
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const licenceFile = existsSync(root) ? readdirSync(root).find((name) => /^licen[cs]e/i.test(name)) : undefined;
    packages.set(match[1], `${manifest.name} ${manifest.version} (${manifest.license})\n\n${licenceFile ? readFileSync(join(root, licenceFile), 'utf8').trim() : 'No licence file.'}`);
  }
  const sections = [...packages.values()].sort();
  return `The passdrop command line bundles these packages:\n\n${sections.join('\n\n' + '-'.repeat(72) + '\n\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const bytes = await buildCli();
  console.log(`dist/passdrop.mjs: ${(bytes / 1024).toFixed(0)} KiB`);
}
