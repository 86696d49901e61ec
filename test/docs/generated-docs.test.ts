import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { renderConfigTable } from '../../src/config/config-table.js';
import { renderErrorCatalogueDoc } from '../../src/errors/error-catalogue.js';
import { renderOpenApiFile } from '../../src/server/generate-openapi.js';
import { renderWebhooksDoc, VERIFY_SNIPPET } from '../../src/notifications/webhook-docs.js';
import { newWebhookSecret, signWebhook } from '../../src/notifications/webhook-signature.js';

it('the README configuration table matches the setting definitions (run `npm run docs`)', () => {
  assert.ok(readFileSync('README.md', 'utf8').includes(renderConfigTable()), 'README.md configuration table is stale');
});

it('docs/errors.md matches the error catalogue (run `npm run docs`)', () => {
  assert.equal(readFileSync('docs/errors.md', 'utf8'), renderErrorCatalogueDoc());
});

it('docs/openapi.json matches the route schemas (run `npm run docs`)', async () => {
  assert.equal(readFileSync('docs/openapi.json', 'utf8'), await renderOpenApiFile());
});

it('docs/webhooks.md matches the event catalogue (run `npm run docs`)', () => {
  assert.equal(readFileSync('docs/webhooks.md', 'utf8'), renderWebhooksDoc());
});

it("the verification snippet in docs/webhooks.md accepts Passdrop's signature and refuses forged or stale deliveries", async () => {
  const { verifyPassdropWebhook } = (await import(`data:text/javascript,${encodeURIComponent(VERIFY_SNIPPET)}`)) as {
    verifyPassdropWebhook: (secret: string, headers: Record<string, string>, body: string, now?: number) => boolean;
  };
  const secret = newWebhookSecret();
  const body = '{"id":"evt_1","type":"webhook.test"}';
  const now = 1_767_225_600;
  const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(now), 'webhook-signature': signWebhook(secret, 'evt_1', now, body) };
  assert.equal(verifyPassdropWebhook(secret, headers, body, now + 10), true);
  assert.equal(verifyPassdropWebhook(secret, headers, body.replace('test', 'tost'), now + 10), false, 'a changed body');
  assert.equal(verifyPassdropWebhook(newWebhookSecret(), headers, body, now + 10), false, 'another secret');
  assert.equal(verifyPassdropWebhook(secret, headers, body, now + 301), false, 'too old');
});
