import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { renderConfigTable } from '../../src/config/config-table.js';
import { renderErrorCatalogueDoc } from '../../src/errors/error-catalogue.js';

it('the README configuration table matches the setting definitions (run `npm run docs`)', () => {
  assert.ok(readFileSync('README.md', 'utf8').includes(renderConfigTable()), 'README.md configuration table is stale');
});

it('docs/errors.md matches the error catalogue (run `npm run docs`)', () => {
  assert.equal(readFileSync('docs/errors.md', 'utf8'), renderErrorCatalogueDoc());
});
