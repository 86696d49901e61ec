import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Database } from '../../src/storage/open-database.js';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { createRevealHandoffStore } from '../../src/pushes/reveal-handoff-store.js';
import { createPush, pushStatus } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { tokenDigest } from '../../src/crypto/token-digest.js';

const BOT = { 'user-agent': 'Slackbot-LinkExpanding 1.0', accept: 'text/html' };

describeEachDatabase('delivery pages', (fixture) => {
  let server: TestServer;
  let inspector: Database;
  before(async () => {
    server = await startTestServer(fixture.database, { env: { PASSDROP_PASSPHRASE_ATTEMPTS_PER_MINUTE: '3' } });
    inspector = inspectDatabase(fixture.database);
  });
  after(async () => {
    await server.stop();
    await inspector.close();
  });

  const auditKinds = async (token: string) =>
    (
      await inspector.db
        .selectFrom('audit_events')
        .innerJoin('pushes', 'pushes.id', 'audit_events.push_id')
        .select('audit_events.kind')
        .where('link_digest', '=', tokenDigest(token))
        .orderBy('audit_events.id')
        .execute()
    ).map((row) => row.kind);

  const postReveal = (token: string, passphrase?: string) =>
    server.fetch(`/p/${token}/reveal`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: passphrase === undefined ? '' : new URLSearchParams({ passphrase }).toString(),
      redirect: 'manual',
    });
  /** The reveal form as a browser sends it: a 303 after the view is used is followed, with its cookie, to the GET page. */
  const reveal = async (token: string, passphrase?: string) => {
    const posted = await postReveal(token, passphrase);
    if (posted.status !== 303) return posted;
    const cookie = posted.headers.get('set-cookie')!.split(';')[0]!;
    return server.fetch(posted.headers.get('location')!, { headers: { accept: 'text/html', cookie }, redirect: 'manual' });
  };

  it("lets a link scanner's GET and HEAD through without using a view", async () => {
    const push = await createPush(server, { payload: 'bot-proof', retrieval_step: true, expire_after_views: 1 });
    assert.match(push.url, /\/p\/[A-Za-z0-9_-]{22}\/r$/);
    const path = new URL(push.url).pathname;
    for (const method of ['HEAD', 'GET', 'HEAD', 'GET']) {
      const response = await server.fetch(path, { method, headers: BOT });
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.ok(!text.includes('bot-proof'), 'the page does not show the secret');
    }
    // The bare /p/:token link also only shows the step for a retrieval-step push.
    assert.ok(!(await (await server.fetch(`/p/${push.token}`, { headers: BOT })).text()).includes('bot-proof'));
    assert.equal((await pushStatus(server, push.token)).views_remaining, 1);

    const revealed = await reveal(push.token);
    assert.equal(revealed.status, 200);
    assert.match(await revealed.text(), /<pre[^>]*>\nbot-proof<\/pre>/, "a newline after <pre>, which the parser drops, keeps a leading newline of the secret");
    assert.deepEqual(await auditKinds(push.token), ['created', 'opened', 'opened', 'opened', 'viewed', 'expired']);
  });

  it('answers the reveal form with post/redirect/get: a 303 to a GET page that shows the secret once', async () => {
    const push = await createPush(server, { payload: 'shown once', retrieval_step: true, expire_after_views: 3 });
    const posted = await postReveal(push.token);
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), `/p/${push.token}/revealed`);
    const setCookie = posted.headers.get('set-cookie') ?? '';
    assert.match(setCookie, new RegExp(`^passdrop_reveal=[A-Za-z0-9_-]{43}; Max-Age=60; Path=/p/${push.token}/revealed; HttpOnly; SameSite=Lax$`));
    assert.equal((await pushStatus(server, push.token)).views_remaining, 2, 'the POST used the view');
    const cookie = setCookie.split(';')[0]!;
    const shown = await server.fetch(`/p/${push.token}/revealed`, { headers: { accept: 'text/html', cookie }, redirect: 'manual' });
    assert.equal(shown.status, 200);
    assert.equal(shown.headers.get('cache-control'), 'no-store');
    assert.match(shown.headers.get('set-cookie') ?? '', /^passdrop_reveal=; Max-Age=0;/);
    assert.match(await shown.text(), /<pre[^>]*>\nshown once<\/pre>/);
    // A refresh: the payload was taken; the step is offered again, and no view was used.
    const refreshed = await server.fetch(`/p/${push.token}/revealed`, { headers: { accept: 'text/html', cookie }, redirect: 'manual' });
    assert.equal(refreshed.status, 303);
    assert.equal(refreshed.headers.get('location'), `/p/${push.token}/r`);
    assert.equal((await pushStatus(server, push.token)).views_remaining, 2);
    // The held payload is gone from the database, and a HEAD takes nothing.
    assert.deepEqual(await inspector.db.selectFrom('reveal_handoffs').select('id').execute(), []);
    assert.equal((await server.fetch(`/p/${push.token}/revealed`, { method: 'HEAD' })).status, 405, 'no HEAD route');
  });

  it('shows the expired page on the GET after the last view once its payload was taken, and deletes holds nobody took', async () => {
    const push = await createPush(server, { payload: 'last one', retrieval_step: true, expire_after_views: 1 });
    const first = await reveal(push.token);
    assert.equal(first.status, 200);
    const again = await server.fetch(`/p/${push.token}/revealed`, { headers: { accept: 'text/html' } });
    assert.equal(again.status, 404);
    const untaken = await createPush(server, { payload: 'never fetched', retrieval_step: true });
    assert.equal((await postReveal(untaken.token)).status, 303);
    assert.equal((await inspector.db.selectFrom('reveal_handoffs').select('id').execute()).length, 1);
    const sweeper = createRevealHandoffStore(inspector);
    assert.equal(await sweeper.sweepTimeExpired(Date.now() + 61_000, 100), 1, 'a hold runs out after a minute');
    assert.deepEqual(await inspector.db.selectFrom('reveal_handoffs').select('id').execute(), []);
  });

  it('redirects a URL push with 303 once its view is used', async () => {
    const push = await createPush(server, { kind: 'url', payload: 'https://example.com/reset?code=1', retrieval_step: false });
    const response = await server.fetch(`/p/${push.token}`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), 'https://example.com/reset?code=1');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal((await pushStatus(server, push.token)).views_remaining, 4);
  });

  it('shows the retrieval step first for a URL push that has one, then redirects on reveal', async () => {
    const push = await createPush(server, { kind: 'url', payload: 'https://example.com/x', retrieval_step: true });
    const step = await server.fetch(`/p/${push.token}/r`, { redirect: 'manual' });
    assert.equal(step.status, 200);
    const revealed = await reveal(push.token);
    // Not a 303: CSP form-action would block a cross-site redirect after the form's POST in Chromium.
    assert.equal(revealed.status, 200);
    assert.equal(revealed.headers.get('refresh'), '0; url=https://example.com/x');
    assert.match(await revealed.text(), /href="https:\/\/example\.com\/x"/);
  });

  it('normalises a URL at creation (WHATWG: punycode host, UTF-8 percent-encoding) and redirects to that form', async () => {
    const push = await createPush(server, { kind: 'url', payload: 'https://bücher.example/straße?q=ä' });
    const response = await server.fetch(`/p/${push.token}`, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), 'https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%A4');
  });

  it('refuses a QR payload a QR code cannot hold with a 422 naming the limit in bytes, and creates nothing', async () => {
    const response = await server.fetch('/api/passdrop/v1/pushes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'qr', payload: '秘'.repeat(800) }) });
    assert.equal(response.status, 422);
    assert.match(JSON.stringify(await response.json()), /2400 bytes of UTF-8: a QR code holds at most 2331 bytes/);
  });

  it('renders a QR push as an SVG QR code', async () => {
    const push = await createPush(server, { kind: 'qr', payload: 'WIFI:S:office;T:WPA;P:hunter2;;' });
    const page = await (await server.fetch(`/p/${push.token}`, { headers: { accept: 'text/html' } })).text();
    assert.match(page, /<svg[^>]*viewBox/);
    assert.ok(!page.includes('style='), 'no inline style attributes (CSP)');
  });

  it('answers unknown and expired links with the same page and status', async () => {
    const push = await createPush(server, { payload: 'short-lived', expire_after_views: 1 });
    await server.fetch(`/p/${push.token}.json`);
    const expired = await server.fetch(`/p/${push.token}`, { headers: { accept: 'text/html' } });
    const unknown = await server.fetch('/p/AAAAAAAAAAAAAAAAAAAAAA', { headers: { accept: 'text/html' } });
    const malformed = await server.fetch('/p/x', { headers: { accept: 'text/html' } });
    const bodies = await Promise.all([expired, unknown, malformed].map((response) => response.text()));
    assert.deepEqual([expired.status, unknown.status, malformed.status], [404, 404, 404]);
    assert.equal(bodies[0], bodies[1]);
    assert.equal(bodies[1], bodies[2]);
    assert.match(bodies[0]!, /This secret link has expired/);
    for (const response of [expired, unknown]) {
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.headers.get('x-robots-tag'), 'noindex, nofollow');
    }
    const head = await server.fetch(`/p/${push.token}`, { method: 'HEAD' });
    assert.equal(head.status, 404);
  });

  it('asks for the passphrase, refuses a wrong one, rate-limits, and never echoes it', async () => {
    const push = await createPush(server, { payload: 'behind a passphrase', passphrase: 'open sesame', retrieval_step: false });
    const page = await (await server.fetch(`/p/${push.token}`, { headers: { accept: 'text/html' } })).text();
    assert.match(page, /name="passphrase"/);
    assert.ok(!page.includes('behind a passphrase'));

    const wrong = await reveal(push.token, 'guess-one');
    assert.equal(wrong.status, 401);
    const wrongText = await wrong.text();
    assert.match(wrongText, /That passphrase is incorrect/);
    assert.ok(!wrongText.includes('guess-one'));

    const right = await reveal(push.token, 'open sesame');
    assert.equal(right.status, 200);
    const rightText = await right.text();
    assert.match(rightText, /behind a passphrase/);
    assert.ok(!rightText.includes('open sesame'));

    await reveal(push.token, 'guess-two');
    const limited = await reveal(push.token, 'open sesame');
    assert.equal(limited.status, 429, 'the 4th attempt in a minute is refused (limit 3 here)');
    assert.equal(limited.headers.get('retry-after'), '60');
    assert.deepEqual(
      (await auditKinds(push.token)).filter((kind) => kind !== 'opened'),
      ['created', 'failed_passphrase', 'viewed', 'failed_passphrase'],
    );
  });

  it('lets the recipient delete a deletable push at once', async () => {
    const push = await createPush(server, { payload: 'delete me', deletable_by_viewer: true });
    const page = await (await reveal(push.token)).text();
    assert.match(page, /action="\/p\/[^"]+\/delete"/);
    // Post/redirect/get: a refresh reloads the page, never the form.
    const deleted = await server.fetch(`/p/${push.token}/delete`, { method: 'POST', redirect: 'manual' });
    assert.equal(deleted.status, 303);
    assert.equal(deleted.headers.get('location'), `/p/${push.token}/deleted`);
    assert.equal((await pushStatus(server, push.token)).expire_reason, 'viewer');
    const landing = await server.fetch(`/p/${push.token}/deleted`, { headers: { accept: 'text/html' } });
    assert.equal(landing.status, 200);
    assert.match(await landing.text(), /<h1>Deleted<\/h1>/);
    // The landing page says "deleted" only for a push a recipient deleted.
    const active = await createPush(server, { payload: 'still here', deletable_by_viewer: true });
    assert.equal((await server.fetch(`/p/${active.token}/deleted`, { headers: { accept: 'text/html' } })).status, 404);
  });

  it('moves old /f and /r links to /p, keeping the query', async () => {
    for (const prefix of ['f', 'r']) {
      const response = await server.fetch(`/${prefix}/AAAAAAAAAAAAAAAAAAAAAA?locale=de`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      assert.equal(response.status, 301);
      assert.equal(response.headers.get('location'), '/p/AAAAAAAAAAAAAAAAAAAAAA?locale=de');
    }
  });
});
