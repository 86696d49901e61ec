import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { tokenDigest } from '../../src/crypto/token-digest.js';
import { accountWithToken } from '../support/account-tokens.js';
import { databaseBytes, inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { createPasswordPusherPush, createPush, json } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { WebClient, signIn } from '../support/web-client.js';

/**
 * Issue 12, item 6: a leaked database (a backup, a dump) must not list live links. Pushes keep the
 * link token's digest for look-up and the token sealed with the master key, so the owner still sees
 * the link; rows from before migration 0015 are converted when the server starts.
 */
describeEachDatabase('link tokens at rest', (fixture) => {
  const masterKey = randomBytes(32).toString('hex');
  let server: TestServer;
  let apiToken: string;
  const start = () => startTestServer(fixture.database, { env: { PASSDROP_MASTER_KEY: masterKey } });
  const asOwner = () => ({ authorization: `Bearer ${apiToken}` });
  before(async () => {
    apiToken = await accountWithToken(fixture.database, 'owner@example.com');
    server = await start();
  });
  after(() => server.stop());

  async function makePushes(): Promise<string[]> {
    const anonymous = await createPush(server, { payload: 'anonymous secret', expire_after_views: 5 });
    const owned = await server.fetch('/api/passdrop/v1/pushes', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...asOwner() },
      body: JSON.stringify({ payload: 'owned secret', name: 'for the dashboard', expire_after_views: 5, retrieval_step: false }),
    });
    assert.equal(owned.status, 201);
    const ownedToken = (await json<{ token: string }>(owned)).token;
    const viaPasswordPusher = await createPasswordPusherPush(server, { payload: 'pp secret' });
    return [anonymous.token, ownedToken, viaPasswordPusher.url_token as string];
  }

  it('keeps no live link token in the database files, while links work and the owner sees the link', async () => {
    const tokens = await makePushes();
    const bytes = await databaseBytes(fixture.database);
    for (const token of tokens) {
      assert.equal(bytes.includes(Buffer.from(token, 'utf8')), false, `the database files contain the link token ${token}`);
      assert.equal(bytes.includes(Buffer.from(tokenDigest(token), 'utf8')), true, 'the digest is what is stored');
    }
    assert.equal((await json(await server.fetch(`/p/${tokens[0]}.json`))).payload, 'anonymous secret');
    const active = await json<Array<{ url_token: string; name: string }>>(await server.fetch('/p/active.json', { headers: asOwner() }));
    assert.ok(active.some((push) => push.url_token === tokens[1]), 'the owner\'s list shows the link again, opened from its envelope');
    // The web dashboard shows the owner the whole link again, to copy.
    const owner = new WebClient(server);
    assert.equal((await signIn(owner, 'owner@example.com', 'a long enough password')).status, 303);
    const page = await owner.get(`/dashboard/pushes/${tokens[1]}`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), new RegExp(`value="[^"]*/p/${tokens[1]}[^"]*"`));
  });

  it('converts pushes stored before migration 0015 when the server starts', async () => {
    const tokens = await makePushes();
    await server.stop();
    // Put the database back as a Passdrop before 0015 left it: the plaintext token in url_token.
    const inspector = inspectDatabase(fixture.database);
    try {
      for (const token of tokens) {
        await inspector.db.updateTable('pushes').set({ link_digest: token }).where('link_digest', '=', tokenDigest(token)).execute();
      }
      await sql`alter table pushes drop column link_envelope`.execute(inspector.db);
      await sql`alter table pushes rename column link_digest to url_token`.execute(inspector.db);
      await inspector.db.deleteFrom('schema_migrations').where('id', '=', '0015_link_tokens_at_rest').execute();
    } finally {
      await inspector.close();
    }

    server = await start();
    assert.ok(server.logs.some((line) => line.includes('sealed the link tokens of pushes stored before migration 0015')));
    const after = inspectDatabase(fixture.database);
    try {
      const rows = await after.db.selectFrom('pushes').select(['link_digest', 'link_envelope']).execute();
      assert.ok(rows.length >= tokens.length);
      for (const row of rows) {
        assert.notEqual(row.link_envelope, null, 'every push has its sealed link');
        assert.match(row.link_digest, /^[A-Za-z0-9_-]{43}$/);
      }
      const stored = JSON.stringify(rows.map((row) => row.link_digest));
      for (const token of tokens) assert.equal(stored.includes(token), false, `the row still holds the token ${token}`);
    } finally {
      await after.close();
    }
    assert.equal((await json(await server.fetch(`/p/${tokens[0]}.json`))).payload, 'anonymous secret');
    assert.equal((await json(await server.fetch(`/p/${tokens[2]}.json`))).payload, 'pp secret');
    const active = await json<Array<{ url_token: string }>>(await server.fetch('/p/active.json', { headers: asOwner() }));
    assert.ok(active.some((push) => push.url_token === tokens[1]));
  });
});
