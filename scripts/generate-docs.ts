// Regenerates the documents that come from code: the README's configuration table, docs/errors.md,
// docs/openapi.json and docs/webhooks.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceConfigTable } from '../src/config/config-table.js';
import { renderErrorCatalogueDoc } from '../src/errors/error-catalogue.js';
import { renderWebhooksDoc } from '../src/notifications/webhook-docs.js';
import { renderOpenApiFile } from '../src/server/generate-openapi.js';

writeFileSync('README.md', replaceConfigTable(readFileSync('README.md', 'utf8')));
writeFileSync('docs/errors.md', renderErrorCatalogueDoc());
writeFileSync('docs/openapi.json', await renderOpenApiFile());
writeFileSync('docs/webhooks.md', renderWebhooksDoc());
console.log('Updated README.md (configuration table), docs/errors.md, docs/openapi.json and docs/webhooks.md');
