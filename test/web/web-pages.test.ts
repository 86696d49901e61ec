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

  it('shows no link-email notice on a share page URL with a crafted ?emailed=', async () => {
    const created = await server.fetch('/p', form({ kind: 'text', payload: 'x', expire_after_minutes: '60', expire_after_views: '2' }));
    const location = created.headers.get('location') ?? '';
    for (const crafted of ['?emailed=5', '?emailed=failed']) {
      const page = await (await server.fetch(`${location}${crafted}`)).text();
      assert.doesNotMatch(page, /data-link-emailed/, crafted);
    }
    // Nor a cookie with a value the server would never set.
    const forged = await (await server.fetch(location, { headers: { cookie: 'passdrop_emailed=<b>9999</b>' } })).text();
    assert.doesNotMatch(forged, /data-link-emailed/);
  });

  it('offers expiry presets and folds the advanced options, all in plain HTML', async () => {
    const page = await (await server.fetch('/?tab=text')).text();
    assert.match(page, /<input type="radio" id="expiry_preset-hour" name="expiry_preset" value="hour"[^>]*><label for="expiry_preset-hour">1 view · 1 hour<\/label>/);
    assert.match(page, /<label for="expiry_preset-day">1 view · 1 day<\/label>/);
    // The operator's default (7 days, 5 views) is a preset of its own, and checked.
    assert.match(page, /value="default" data-remember="preset" data-minutes="10080" data-views="5" checked><label for="expiry_preset-default">5 views · 7 days<\/label>/);
    assert.match(page, /<label for="expiry_preset-custom">Custom<\/label>/);
    assert.match(page, /<details class="advanced">\s*<summary>More options<\/summary>[\s\S]*id="retrieval_step"[\s\S]*id="name"[\s\S]*<\/details>/);
  });

  it('applies an expiry preset without JavaScript, whatever the custom fields hold', async () => {
    const created = await server.fetch('/p', form({ kind: 'text', payload: 'preset secret', expiry_preset: 'hour', expire_after_minutes: '10080', expire_after_views: '50', retrieval_step: 'true' }));
    assert.equal(created.status, 303);
    const token = (created.headers.get('location') ?? '').split('/')[2]!;
    const step = await (await server.fetch(`/p/${token}/r`)).text();
    assert.match(step, /Revealing it uses its last view\./);
    const deadline = Date.parse(/<time datetime="([^"]+)"/.exec(step)![1]!);
    assert.ok(Math.abs(deadline - (Date.now() + 60 * 60_000)) < 2 * 60_000, 'deleted an hour from now at the latest');

    const custom = await server.fetch('/p', form({ kind: 'text', payload: 'custom secret', expiry_preset: 'custom', expire_after_minutes: '60', expire_after_views: '500' }));
    assert.equal(custom.status, 422, 'custom uses the fields, and their bounds');
    assert.match(await custom.text(), /value="custom" data-remember="preset" checked>/);
  });

  it('frames the recipient page: the instance and its host, what revealing does, how long it stays, how it is protected', async () => {
    const push = await createPush(server, { payload: 'framed', retrieval_step: true, passphrase: 'by phone', expire_after_views: 3 });
    const page = await (await server.fetch(new URL(push.url).pathname)).text();
    const host = new URL(server.url).host;
    assert.match(page, new RegExp(`<strong>Passdrop</strong><span>Secret-sharing service at <bdi class="ltr-value" dir="ltr">${host.replace(/\./g, '\\.')}</bdi>`));
    assert.match(page, /When you reveal it<\/strong><span>Revealing it uses one of its 3 remaining views\./);
    assert.match(page, /How long it stays<\/strong><span>3 views left\. Deleted at the latest at <time datetime=/);
    assert.match(page, /How it is protected<\/strong><span>Encrypted on this server, and deleted from it after the last view or when it expires\. It also needs a passphrase/);
    assert.match(page, /Not expecting a secret\?/);
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
