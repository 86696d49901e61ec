import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPush } from '../support/push-helpers.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

describe('web pages over HTTP', () => {
  let database: TestDatabase;
  let server: TestServer;
  const brandDirectory = mkdtempSync(join(tmpdir(), 'passdrop-brand-'));
  before(async () => {
    writeFileSync(join(brandDirectory, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>');
    writeFileSync(join(brandDirectory, 'brand.css'), ':root { --accent: #7a1fa2; }');
    database = await createTestDatabase('sqlite');
    server = await startTestServer(database, {
      env: {
        PASSDROP_BRAND_TITLE: 'Acme Secrets',
        PASSDROP_BRAND_TAGLINE: 'Only for Acme staff',
        PASSDROP_BRAND_LOGO_FILE: join(brandDirectory, 'logo.svg'),
        PASSDROP_BRAND_CSS_FILE: join(brandDirectory, 'brand.css'),
      },
    });
  });
  after(async () => {
    await server.stop();
    await database.drop();
  });

  it('creates a push from the plain form and shows the share page with the link and its QR code', async () => {
    const created = await server.fetch('/p', form({ kind: 'text', payload: 'form secret', expire_after_minutes: '60', expire_after_views: '2', retrieval_step: 'true' }));
    assert.equal(created.status, 303);
    const location = created.headers.get('location') ?? '';
    assert.match(location, /^\/p\/[A-Za-z0-9_-]{22}\/preview$/);
    const share = await (await server.fetch(location)).text();
    const token = location.split('/')[2]!;
    assert.ok(share.includes(`/p/${token}/r`));
    assert.match(share, /<svg[^>]*viewBox/);
    assert.ok(!share.includes('form secret'), 'the share page never shows the secret');
  });

  it('re-shows the form with the typed values and a clear message when something is wrong', async () => {
    const response = await server.fetch('/p', form({ kind: 'url', payload: 'javascript:alert(1)', expire_after_minutes: '60', expire_after_views: '2' }));
    assert.equal(response.status, 422);
    const page = await response.text();
    assert.match(page, /Enter an address that starts with http:\/\/ or https:\/\//);
    assert.match(page, /value="javascript:alert\(1\)"/);
    assert.match(page, /aria-describedby="[^"]*payload-error/);
  });

  it("shows the form's validation messages in the reader's language", async () => {
    const response = await server.fetch('/p', {
      ...form({ kind: 'text', payload: '', expire_after_minutes: '60', expire_after_views: '500' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: 'passdrop_locale=de' },
    });
    assert.equal(response.status, 422);
    const page = await response.text();
    assert.match(page, /Bitte füllen Sie dieses Feld aus\./);
    assert.match(page, /Zwischen 1 und 100 Aufrufen\./);
  });

  it('remembers a language chosen with ?locale= in a cookie', async () => {
    const response = await server.fetch('/?locale=de');
    assert.match(response.headers.get('set-cookie') ?? '', /^passdrop_locale=de; Path=\/; Max-Age=31536000; SameSite=Lax/);
    assert.match(await response.text(), /<html lang="de" dir="ltr"/);
    const later = await server.fetch('/', { headers: { cookie: 'passdrop_locale=ar', 'accept-language': 'fr' } });
    assert.match(await later.text(), /<html lang="ar" dir="rtl"/);
  });

  it('brands the creator pages but not the delivery pages', async () => {
    const home = await (await server.fetch('/')).text();
    assert.match(home, /Acme Secrets/);
    assert.match(home, /Only for Acme staff/);
    assert.match(home, /href="\/brand\/custom\.css"/);
    assert.match(home, /src="\/brand\/logo"/);
    assert.equal((await server.fetch('/brand/logo')).headers.get('content-type'), 'image/svg+xml');
    assert.match(await (await server.fetch('/brand/custom.css')).text(), /--accent/);

    const push = await createPush(server, { payload: 'x', retrieval_step: true });
    const delivery = await (await server.fetch(new URL(push.url).pathname)).text();
    assert.ok(!delivery.includes('Acme'), 'no branding on the delivery page');
    assert.ok(!delivery.includes('/brand/custom.css'));
  });

  it('serves assets with long caching, and pages with no inline script or style', async () => {
    const home = await (await server.fetch('/')).text();
    const asset = /src="(\/assets\/common\.js\?v=[\w-]+)"/.exec(home)?.[1];
    assert.ok(asset);
    const response = await server.fetch(asset);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.doesNotMatch(home, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(home, /\sstyle=/, 'no style attribute');
  });
});
