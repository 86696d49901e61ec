import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where `npm run build` (scripts/build-browser.mjs) writes the browser bundles and the stylesheet. */
export const ASSET_DIRECTORY = fileURLToPath(new URL('../../build/web-assets/', import.meta.url));

export interface AssetManifest {
  /** `/assets/create.js?v=<content hash>` (under the base path): the hash lets browsers cache assets for a year. */
  url(name: string): string;
  /** Bytes of each asset, for the benchmark's JavaScript budget. */
  readonly sizes: Readonly<Record<string, number>>;
}

/** Reads the built assets and their content hashes; `basePath` ('' or '/secrets') goes in front of every URL. */
export function loadAssetManifest(basePath = ''): AssetManifest {
  if (!existsSync(ASSET_DIRECTORY)) {
    throw new Error(`The web assets are missing from ${ASSET_DIRECTORY}: run \`npm run build\` first.`);
  }
  const versions: Record<string, string> = {};
  const sizes: Record<string, number> = {};
  for (const name of readdirSync(ASSET_DIRECTORY)) {
    const bytes = readFileSync(new URL(name, `file://${ASSET_DIRECTORY}`));
    versions[name] = createHash('sha256').update(bytes).digest('base64url').slice(0, 12);
    sizes[name] = bytes.length;
  }
  return {
    url(name) {
      const version = versions[name];
      if (version === undefined) throw new Error(`unknown asset ${name}`);
      return `${basePath}/assets/${name}?v=${version}`;
    },
    sizes,
  };
}
