import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { describeEachDatabase } from '../support/each-database.js';
import { json } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const API = '/api/passdrop/v1';
const NAME = 'Bank login for Ana';
const NOTE = 'sent to Ana on Tuesday';

describeEachDatabase('A push’s private name and note', (fixture) => {
  let server: TestServer;
  let ownerToken: string;
  let otherToken: string;
  before(async () => {
    ownerToken = await accountWithToken(fixture.database, 'owner@example.com');
    otherToken = await accountWithToken(fixture.database, 'other@example.com');
    server = await startTestServer(fixture.database);
  });
  after(() => server.stop());

  async function ownedPush(extra: Record<string, unknown> = {}): Promise<string> {
    const response = await server.fetch(`${API}/pushes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ownerToken}` },
      body: JSON.stringify({ payload: 'hunter2', name: NAME, note: NOTE, retrieval_step: false, expire_after_views: 3, deletable_by_viewer: true, ...extra }),
    });
    const body = await json<{ token: string; name: string }>(response);
    assert.equal(response.status, 201);
    assert.equal(body.name, NAME, 'the creator sees the name it gave');
    return body.token;
  }

  it('shows the name to nobody but the owner on the status and reveal responses', async () => {
    const token = await ownedPush();
    for (const headers of [{}, { authorization: `Bearer ${otherToken}` }] as Record<string, string>[]) {
      const status = await server.fetch(`${API}/pushes/${token}`, { headers });
      const text = await status.text();
      assert.equal(status.status, 200);
      assert.equal(JSON.parse(text).name, null);
      assert.ok(!text.includes(NAME) && !text.includes(NOTE), text);
    }
    const reveal = await server.fetch(`${API}/pushes/${token}/reveal`, { method: 'POST' });
    const revealText = await reveal.text();
    assert.equal(reveal.status, 200);
    assert.equal(JSON.parse(revealText).payload, 'hunter2');
    assert.ok(!revealText.includes(NAME) && !revealText.includes(NOTE), revealText);

    const owner = await json<{ name: string }>(await server.fetch(`${API}/pushes/${token}`, { headers: { authorization: `Bearer ${ownerToken}` } }));
    assert.equal(owner.name, NAME);
  });

  it('keeps the name and note out of every Password Pusher read a recipient can make', async () => {
    const token = await ownedPush();
    for (const path of [`/p/${token}.json`, `/p/${token}/preview.json`, `/api/v2/pushes/${token}`, `/api/v2/pushes/${token}/preview`]) {
      const response = await server.fetch(path);
      const text = await response.text();
      assert.equal(response.status, 200, `${path}: ${text}`);
      assert.ok(!text.includes(NAME) && !text.includes(NOTE), `${path}: ${text}`);
    }
  });

  it('refuses an invalid API token on DELETE /p/TOKEN with 401, and the push lives on', async () => {
    const token = await ownedPush();
    for (const path of [`/p/${token}`, `/p/${token}.json`, `/api/v2/pushes/${token}`]) {
      const response = await server.fetch(path, { method: 'DELETE', headers: { authorization: 'Bearer not-a-real-token' } });
      assert.equal(response.status, 401, path);
      assert.ok('error' in (await json(response)));
    }
    const status = await json<{ expired: boolean }>(await server.fetch(`${API}/pushes/${token}`));
    assert.equal(status.expired, false);
  });
});
