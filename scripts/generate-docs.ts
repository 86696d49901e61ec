// Regenerates the documents that come from code: the README's configuration table and docs/errors.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceConfigTable } from '../src/config/config-table.js';
import { renderErrorCatalogueDoc } from '../src/errors/error-catalogue.js';

writeFileSync('README.md', replaceConfigTable(readFileSync('README.md', 'utf8')));
writeFileSync('docs/errors.md', renderErrorCatalogueDoc());
console.log('Updated README.md (configuration table) and docs/errors.md');
