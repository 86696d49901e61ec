import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { renderConfigTable } from '../../src/config/config-table.js';
import { renderErrorCatalogueDoc } from '../../src/errors/error-catalogue.js';
import { renderOpenApiFile } from '../../src/server/generate-openapi.js';

it('the README configuration table matches the setting definitions (run `npm run docs`)', () => {
  assert.ok(readFileSync('README.md', 'utf8').includes(renderConfigTable()), 'README.md configuration table is stale');
});

it('docs/errors.md matches the error catalogue (run `npm run docs`)', () => {
  assert.equal(readFileSync('docs/errors.md', 'utf8'), renderErrorCatalogueDoc());
});

it('docs/openapi.json matches the route schemas (run `npm run docs`)', async () => {
  assert.equal(readFileSync('docs/openapi.json', 'utf8'), await renderOpenApiFile());
});
