import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { createPush, json, pushStatus } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const MINUTE = 60_000;

describeEachDatabase('Passdrop API', (fixture) => {
  let server: TestServer;
  let now = Date.UTC(2026, 5, 1, 12, 0, 0);
  before(async () => {
    server = await startTestServer(fixture.database, {
      clock: () => now,
      env: { PASSDROP_QR_PUSHES_ENABLED: 'false', PASSDROP_BASE_URL: 'https://secrets.example.com' },
    });
  });
  after(() => server.stop());

  const post = (path: string, body: unknown) =>
    server.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('creates a push that expires after minutes, with the link on the configured base URL', async () => {
    const push = await createPush(server, { payload: 's3cret', expire_after_minutes: 30, expire_after_views: 2, name: 'wifi' });
    assert.match(push.token, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(push.url, `https://secrets.example.com/p/${push.token}`);
    assert.equal(push.expires_at, new Date(now + 30 * MINUTE).toISOString());
    assert.equal(push.views_remaining, 2);
    assert.equal(push.passphrase_protected, false);
    assert.equal(push.encryption, 'server');
    assert.equal(push.name, 'wifi');
    assert.ok(!('payload' in push) && !('note' in push));
  });

  it('accepts an absolute expiry time', async () => {
    const at = new Date(now + 3 * 60 * MINUTE).toISOString();
    const push = await createPush(server, { payload: 'x', expires_at: at });
    assert.equal(push.expires_at, at);
  });

  it('refuses out-of-range values with a 422 that states the bounds, and stores nothing', async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ expire_after_minutes: 1 }, 'expire_after_minutes', /between 5 and 129600/],
      [{ expire_after_days: 91 }, 'expire_after_days', /between 1 and 90/],
      [{ expire_after_views: 0 }, 'expire_after_views', /between 1 and 100/],
      [{ expire_after_views: 101 }, 'expire_after_views', /between 1 and 100/],
      [{ expires_at: new Date(now - MINUTE).toISOString() }, 'expires_at', /between 5 minutes and 90 days from now/],
      [{ expire_after_days: 2, expire_after_minutes: 10 }, 'expire_after_days', /only one of/],
    ];
    for (const [fields, field, message] of cases) {
      const response = await post('/api/passdrop/v1/pushes', { payload: 'x', ...fields });
      assert.equal(response.status, 422, JSON.stringify(fields));
      const body = await json<{ code: string; details: Array<{ field: string; message: string }>; requestId: string }>(response);
      assert.equal(body.code, 'VALIDATION_FAILED');
      assert.equal(body.details[0]?.field, field);
      assert.match(body.details[0]!.message, message);
    }
  });

  it('refuses unsafe URLs, disabled kinds, missing payloads and unknown fields', async () => {
    for (const payload of ['javascript:alert(1)', 'data:text/html,<script>x</script>', 'file:///etc/passwd', 'ftp://example.com/', 'not a url', 'https://exa mple.com']) {
      const response = await post('/api/passdrop/v1/pushes', { kind: 'url', payload });
      assert.equal(response.status, 422, payload);
      assert.equal((await json<{ details: Array<{ message: string }> }>(response)).details[0]?.message, 'must be a valid HTTP or HTTPS URL.');
    }
    const qr = await post('/api/passdrop/v1/pushes', { kind: 'qr', payload: 'x' });
    assert.equal((await json<{ details: Array<{ message: string }> }>(qr)).details[0]?.message, 'QR code pushes are disabled.');
    const empty = await post('/api/passdrop/v1/pushes', { payload: '' });
    assert.equal((await json<{ details: Array<{ message: string }> }>(empty)).details[0]?.message, 'Payload is required.');
    const unknown = await post('/api/passdrop/v1/pushes', { payload: 'x', colour: 'red' });
    assert.equal(unknown.status, 422);
    assert.equal((await json<{ code: string }>(unknown)).code, 'VALIDATION_FAILED');
  });

  it('reveals with a passphrase, with a distinct error code for each failure', async () => {
    const push = await createPush(server, { payload: 'guarded', passphrase: 'pw', expire_after_views: 1 });
    const missing = await post(`/api/passdrop/v1/pushes/${push.token}/reveal`, {});
    assert.equal(missing.status, 401);
    assert.equal((await json<{ code: string }>(missing)).code, 'PASSPHRASE_REQUIRED');
    const wrong = await post(`/api/passdrop/v1/pushes/${push.token}/reveal`, { passphrase: 'nope' });
    assert.equal((await json<{ code: string }>(wrong)).code, 'PASSPHRASE_INCORRECT');
    const right = await post(`/api/passdrop/v1/pushes/${push.token}/reveal`, { passphrase: 'pw' });
    assert.equal(right.status, 200);
    const revealed = await json<{ payload: string; push: { expired: boolean; expire_reason: string } }>(right);
    assert.equal(revealed.payload, 'guarded');
    assert.equal(revealed.push.expired, true);
    assert.equal(revealed.push.expire_reason, 'views');
    const again = await post(`/api/passdrop/v1/pushes/${push.token}/reveal`, { passphrase: 'pw' });
    assert.equal(again.status, 410);
    assert.equal((await json<{ code: string }>(again)).code, 'PUSH_EXPIRED');
    const unknown = await post('/api/passdrop/v1/pushes/AAAAAAAAAAAAAAAAAAAAAA/reveal', {});
    assert.equal(unknown.status, 404);
    assert.equal((await json<{ code: string }>(unknown)).code, 'PUSH_NOT_FOUND');
  });

  it('reveals on a bare POST (no body, no content type) when there is no passphrase', async () => {
    for (const headers of [{}, { 'content-type': 'application/json' }] as Array<Record<string, string>>) {
      const push = await createPush(server, { payload: 'no body needed' });
      const response = await server.fetch(`/api/passdrop/v1/pushes/${push.token}/reveal`, { method: 'POST', headers });
      assert.equal(response.status, 200, JSON.stringify(headers));
      assert.equal((await json<{ payload: string }>(response)).payload, 'no body needed');
    }
  });

  it('keeps passphrase_protected true after the last view of a server-encrypted push', async () => {
    const push = await createPush(server, { payload: 'guarded', passphrase: 'pw', expire_after_views: 1 });
    const revealed = await json<{ push: { passphrase_protected: boolean; expired: boolean } }>(await post(`/api/passdrop/v1/pushes/${push.token}/reveal`, { passphrase: 'pw' }));
    assert.deepEqual([revealed.push.expired, revealed.push.passphrase_protected], [true, true]);
    assert.equal((await pushStatus(server, push.token)).passphrase_protected, true);
  });

  it('expires by time: the status says so and reveal answers 410', async () => {
    const push = await createPush(server, { payload: 'tick', expire_after_minutes: 5 });
    now += 6 * MINUTE;
    const status = await json<{ expired: boolean; expire_reason: string }>(await server.fetch(`/api/passdrop/v1/pushes/${push.token}`));
    assert.deepEqual([status.expired, status.expire_reason], [true, 'time']);
    assert.equal((await post(`/api/passdrop/v1/pushes/${push.token}/reveal`, {})).status, 410);
  });

  it('deletes only when the sender allowed it', async () => {
    const keep = await createPush(server, { payload: 'k', deletable_by_viewer: false });
    const refused = await server.fetch(`/api/passdrop/v1/pushes/${keep.token}`, { method: 'DELETE' });
    assert.equal(refused.status, 403);
    assert.equal((await json<{ code: string }>(refused)).code, 'PUSH_NOT_DELETABLE');
    const drop = await createPush(server, { payload: 'd', deletable_by_viewer: true });
    const deleted = await json<{ expired: boolean; expire_reason: string }>(
      await server.fetch(`/api/passdrop/v1/pushes/${drop.token}`, { method: 'DELETE' }),
    );
    assert.deepEqual([deleted.expired, deleted.expire_reason], [true, 'viewer']);
  });

  it('publishes its limits for clients', async () => {
    const limits = await json<{ min_expiry_minutes: number; kinds: Record<string, { enabled: boolean; max_characters: number }> }>(
      await server.fetch('/api/passdrop/v1/limits'),
    );
    assert.equal(limits.min_expiry_minutes, 5);
    assert.equal(limits.kinds.text?.max_characters, 1_048_576);
    assert.equal(limits.kinds.qr?.enabled, false);
  });
});
