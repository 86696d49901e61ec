import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { json } from '../support/push-helpers.js';
import { startReverseProxy, type ReverseProxy } from '../support/reverse-proxy.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { PASSWORD, WebClient } from '../support/web-client.js';

describeEachDatabase('behind a reverse proxy that rewrites Host', (fixture) => {
  let proxy: ReverseProxy;
  let server: TestServer;
  before(async () => {
    proxy = await startReverseProxy();
    server = await startTestServer(fixture.database, { env: { PASSDROP_BASE_URL: proxy.origin } });
    proxy.target = server.url;
  });
  after(async () => {
    await server.stop();
    await proxy.close();
  });

  it("accepts a signed-in browser's changes whose Origin is PASSDROP_BASE_URL's, although the server sees another Host", async () => {
    const browser = new WebClient({ url: proxy.origin });
    const sameSite = { origin: proxy.origin, 'sec-fetch-site': 'same-origin' };
    await browser.get('/account/sign-up');
    const signedUp = await browser.post('/account/sign-up', { email: 'proxied@example.com', password: PASSWORD }, { headers: sameSite });
    assert.equal(signedUp.status, 303);
    await browser.get('/');
    const created = await browser.post('/p', { kind: 'text', payload: 'through the proxy', expire_after_views: '2', expire_after_minutes: '60' }, { headers: sameSite });
    assert.equal(created.status, 303, await created.text());
    assert.match(created.headers.get('location') ?? '', /^\/p\/[A-Za-z0-9_-]+\/preview$/);
    await browser.get('/account/tokens');
    const token = await browser.post('/account/tokens', { name: 'ci' }, { headers: sameSite });
    assert.equal(token.status, 303);
    await browser.get('/account/tokens');
    assert.match(browser.lastBody, /pd_[A-Za-z0-9_-]{40,}/);
    const api = await browser.request('/api/passdrop/v1/pushes', {
      method: 'POST',
      headers: { ...sameSite, 'content-type': 'application/json', 'x-csrf-token': browser.csrfToken! },
      body: JSON.stringify({ payload: 'from the page', expire_after_views: 1 }),
    });
    assert.equal(api.status, 201);
    assert.match((await json<{ url: string }>(api)).url, new RegExp(`^${proxy.origin}/p/`));

    const foreign = await browser.post('/account/tokens', { name: 'evil' }, { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' } });
    assert.equal(foreign.status, 403, 'another origin is still refused');
    assert.ok(proxy.forwarded > 5);
  });
});

describeEachDatabase('under a sub-path (PASSDROP_BASE_URL=https://host/secrets/)', (fixture) => {
  let proxy: ReverseProxy;
  let server: TestServer;
  let base: string;
  before(async () => {
    proxy = await startReverseProxy();
    base = `${proxy.origin}/secrets`;
    server = await startTestServer(fixture.database, { env: { PASSDROP_BASE_URL: `${base}/` } });
    proxy.target = server.url;
  });
  after(async () => {
    await server.stop();
    await proxy.close();
  });

  it('puts the prefix on every link, asset, form action, redirect and cookie, and every one of them works', async () => {
    const page = await (await fetch(`${base}/`, { headers: { accept: 'text/html' } })).text();
    const paths = [...page.matchAll(/(?:href|src|action)="([^"#]*)"/g)].map((match) => match[1]!).filter((path) => path.startsWith('/'));
    assert.ok(paths.length > 5, paths.join(' '));
    for (const path of paths) assert.ok(path.startsWith('/secrets/'), `${path} lacks the prefix`);
    for (const asset of paths.filter((path) => path.includes('/assets/'))) {
      assert.equal((await fetch(`${proxy.origin}${asset}`)).status, 200, asset);
    }
    assert.match(page, /data-base-path="\/secrets"/);

    const browser = new WebClient({ url: proxy.origin });
    const sameSite = { origin: proxy.origin, 'sec-fetch-site': 'same-origin' };
    const toSignIn = await browser.get('/secrets/dashboard');
    assert.equal(toSignIn.status, 303);
    assert.equal(toSignIn.headers.get('location'), '/secrets/account/sign-in?next=%2Fsecrets%2Fdashboard');
    await browser.get('/secrets/account/sign-up');
    assert.match(browser.lastBody, /action="\/secrets\/account\/sign-up"/);
    const signedUp = await browser.post('/secrets/account/sign-up', { email: 'sub@example.com', password: PASSWORD }, { headers: sameSite });
    assert.equal(signedUp.status, 303);
    assert.equal(signedUp.headers.get('location'), '/secrets/dashboard');
    assert.match(signedUp.headers.getSetCookie().join('\n'), /passdrop_session=[^;]+;.*Path=\/secrets/);

    await browser.get('/secrets/');
    const created = await browser.post('/secrets/p', { kind: 'text', payload: 'under a prefix', expire_after_views: '2', expire_after_minutes: '60', retrieval_step: 'on' }, { headers: sameSite });
    assert.equal(created.status, 303);
    const preview = created.headers.get('location')!;
    assert.match(preview, /^\/secrets\/p\/[A-Za-z0-9_-]+\/preview$/);
    await browser.get(preview);
    const link = /id="secret-link"[^>]*value="([^"]+)"/.exec(browser.lastBody)?.[1];
    assert.match(link ?? '', new RegExp(`^${base}/p/[A-Za-z0-9_-]+/r$`));

    const recipient = new WebClient({ url: proxy.origin });
    const step = await recipient.get(new URL(link!).pathname);
    assert.equal(step.status, 200);
    const action = /<form method="post" action="([^"]+)" class="reveal-form/.exec(recipient.lastBody)?.[1];
    assert.match(action ?? '', /^\/secrets\/p\/[A-Za-z0-9_-]+\/reveal$/);
    const revealed = await recipient.post(action!, {});
    assert.equal(revealed.status, 303);
    assert.match(revealed.headers.get('location') ?? '', /^\/secrets\/p\/[A-Za-z0-9_-]+\/revealed$/);
    assert.match(revealed.headers.get('set-cookie') ?? '', /Path=\/secrets\/p\/[A-Za-z0-9_-]+\/revealed;/);
    assert.equal((await recipient.get(revealed.headers.get('location')!)).status, 200);
    assert.match(recipient.lastBody, /under a prefix/);

    // Every page a signed-in person reaches links only under the prefix (pagination, tabs, forms included).
    const pushPage = /href="(\/secrets\/dashboard\/pushes\/[^"?]+)"/.exec((await browser.get('/secrets/dashboard'), browser.lastBody))?.[1];
    for (const pagePath of ['/secrets/dashboard?page=2', '/secrets/dashboard?status=expired', `${pushPage}?page=2`, '/secrets/account', '/secrets/account/tokens', '/secrets/dashboard/requests']) {
      const response = await browser.get(pagePath);
      assert.ok(response.status < 400, `${pagePath} answered ${response.status}`);
      const links = [...browser.lastBody.matchAll(/(?:href|src|action|formaction)="([^"]*)"/g)].map((match) => match[1]!);
      for (const link of links) {
        assert.ok(!link.startsWith('/') || link.startsWith('/secrets/'), `${pagePath} links to ${link}`);
      }
    }

    const api = await fetch(`${base}/api/passdrop/v1/pushes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload: 'api' }) });
    assert.match((await json<{ url: string }>(api)).url, new RegExp(`^${base}/p/`));
    const passwordPusher = await fetch(`${base}/p.json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: { payload: 'pp' } }) });
    const pp = await json<{ html_url: string; json_url: string }>(passwordPusher);
    assert.match(pp.html_url, new RegExp(`^${base}/p/`));
    assert.equal((await fetch(pp.json_url)).status, 200, 'the json_url works through the proxy');
    assert.equal((await fetch(`${base}/api/v2/version`)).status, 200);
    assert.equal((await fetch(`${base}/api/docs/`)).status, 200);
  });

  it('answers health checks at /up and at the prefix, and explains anything else outside it', async () => {
    assert.equal((await fetch(`${proxy.origin}/up`)).status, 200);
    assert.equal((await fetch(`${base}/up`)).status, 200);
    const outside = await fetch(`${proxy.origin}/p/AAAAAAAAAAAAAAAAAAAAAA`);
    assert.equal(outside.status, 404);
    assert.match(await outside.text(), /served under \/secrets\/.*strips that prefix/s);
  });
});
