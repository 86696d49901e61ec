// Regenerates the documents that come from code: the README's configuration table and docs/errors.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceConfigTable } from '../src/config/config-table.js';
import { renderErrorCatalogueDoc } from '../src/errors/error-catalogue.js';
import { renderOpenApiFile } from '../src/server/generate-openapi.js';

writeFileSync('README.md', replaceConfigTable(readFileSync('README.md', 'utf8')));
writeFileSync('docs/errors.md', renderErrorCatalogueDoc());
writeFileSync('docs/openapi.json', await renderOpenApiFile());
console.log('Updated README.md (configuration table), docs/errors.md and docs/openapi.json');
