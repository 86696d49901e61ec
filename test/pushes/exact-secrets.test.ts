import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { createPush, json } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { TRICKY_SECRETS } from '../support/tricky-secrets.js';
import { WebClient } from '../support/web-client.js';

/**
 * Reads the secret back out of a server-rendered page as an HTML parser would: the one newline right
 * after `<pre>` is dropped, and the references the server writes (`&amp; &lt; &gt; &quot; &#39; &#13;`)
 * are decoded. Anything else that looks like a reference fails the test rather than being guessed at.
 */
function secretFromPage(page: string): string {
  const match = /<pre id="secret-text"[^>]*>([\s\S]*?)<\/pre>/.exec(page);
  assert.ok(match, 'the page shows the secret in <pre id="secret-text">');
  const raw = match[1]!.startsWith('\n') ? match[1]!.slice(1) : match[1]!;
  assert.ok(!raw.includes('\r'), 'no raw carriage return: the parser would turn it into a line feed');
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"' };
  return raw.replace(/&(#\d+|[a-z]+);/g, (_reference, name: string) => {
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    assert.ok(name in named, `unexpected reference &${name};`);
    return named[name]!;
  });
}

/** What a browser's textarea holds for a pasted or typed value: every CR and CRLF becomes LF (HTML's newline normalisation). */
const textareaValue = (text: string) => text.replace(/\r\n?/g, '\n');
/** What a browser submits for that textarea: its line breaks as CRLF (HTML's form encoding). */
const submittedByBrowser = (text: string) => textareaValue(text).replace(/\n/g, '\r\n');

describeEachDatabase('a secret arrives byte for byte on every server path', (fixture) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(fixture.database);
  });
  after(() => server.stop());

  const postJson = (path: string, body: unknown) => server.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  for (const [label, secret] of TRICKY_SECRETS) {
    it(`${label}: our API, both Password Pusher APIs and the server page return it exactly`, async () => {
      // Passdrop's API, created and revealed.
      const ours = await createPush(server, { payload: secret });
      const revealed = await json<{ payload: string }>(await postJson(`/api/passdrop/v1/pushes/${ours.token}/reveal`, {}));
      assert.equal(revealed.payload, secret, 'Passdrop API');

      // The same push's server-rendered page: what the browser's parser reads back.
      const page = await createPush(server, { payload: secret });
      assert.equal(secretFromPage(await (await server.fetch(`/p/${page.token}`, { headers: { accept: 'text/html' } })).text()), secret, 'server page');

      // Password Pusher's v1 API (JSON and form bodies) and v2, each read back through v1 and v2.
      const v1 = await json<{ url_token: string }>(await postJson('/p.json', { password: { payload: secret, retrieval_step: false } }));
      assert.equal((await json<{ payload: string }>(await server.fetch(`/p/${v1.url_token}.json`))).payload, secret, 'v1 JSON create, v1 read');
      const form = new URLSearchParams({ 'password[payload]': secret, 'password[retrieval_step]': 'false' });
      const v1Form = await json<{ url_token: string }>(await server.fetch('/p.json', { method: 'POST', body: form }));
      assert.equal((await json<{ payload: string }>(await server.fetch(`/api/v2/pushes/${v1Form.url_token}`))).payload, secret, 'v1 form create, v2 read');
      const v2 = await json<{ url_token: string }>(await postJson('/api/v2/pushes', { push: { payload: secret, retrieval_step: false } }));
      assert.equal((await json<{ payload: string }>(await server.fetch(`/api/v2/pushes/${v2.url_token}.json`))).payload, secret, 'v2 create, v2 read');
    });

    it(`${label}: the no-JavaScript form delivers what the textarea held`, async () => {
      const client = new WebClient(server);
      await client.get('/?tab=text');
      const created = await client.post('/p', { kind: 'text', payload: submittedByBrowser(secret), expire_after_views: '1', retrieval_step: 'false' });
      assert.equal(created.status, 303);
      const token = /\/p\/([A-Za-z0-9_-]{22})\/preview/.exec(created.headers.get('location') ?? '')![1]!;
      const page = await client.get(`/p/${token}`);
      assert.equal(page.status, 200);
      assert.equal(secretFromPage(await page.text()), textareaValue(secret));
    });
  }
});
