import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { signUp, WebClient } from '../support/web-client.js';

const API = '/api/passdrop/v1';
const DAY = 24 * 3_600_000;

describeEachDatabase('resumable uploads: who may upload, CSRF, one push per upload, deletion', (fixture) => {
  let server: TestServer;
  let token: string;
  let now = Date.now();

  before(async () => {
    token = await accountWithToken(fixture.database, 'upload-access@example.com');
    server = await startTestServer(fixture.database, {
      clock: () => now,
      env: { PASSDROP_FILE_PUSHES_ANONYMOUS: 'true', PASSDROP_SWEEP_INTERVAL_SECONDS: '1' },
    });
  });
  after(() => server?.stop());

  const bearer = (value = token) => ({ authorization: `Bearer ${value}` });

  /** A whole upload in one creation request (tus creation-with-upload); answers its id. */
  async function upload(bytes: Uint8Array, headers: Record<string, string>, metadata = 'mode ZTJl'): Promise<string> {
    const response = await server.fetch(`${API}/uploads`, {
      method: 'POST',
      headers: { ...headers, 'tus-resumable': '1.0.0', 'upload-length': String(bytes.length), 'upload-metadata': metadata, 'content-type': 'application/offset+octet-stream' },
      body: new Uint8Array(bytes),
    });
    assert.equal(response.status, 201, await response.text());
    assert.equal(response.headers.get('upload-offset'), String(bytes.length));
    return response.headers.get('location')!.split('/').pop()!;
  }

  const createPush = (files: Array<Record<string, string>>, headers: Record<string, string>, extra: Record<string, unknown> = {}) =>
    server.fetch(`${API}/pushes`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'file', encryption: 'client', files, ...extra }) });

  function storedKeys(): string[] {
    const root = join(server.config.dataDir, 'files');
    if (!existsSync(root)) return [];
    return readdirSync(root, { recursive: true })
      .map(String)
      .filter((entry) => statSync(join(root, entry)).isFile());
  }

  async function waitFor(condition: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 15_000;
    while (!condition()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('takes anonymous uploads with PASSDROP_FILE_PUSHES_ANONYMOUS=true, and keeps them apart from accounts\' uploads', async () => {
    const anonymous = await upload(randomBytes(100), {});
    const owned = await upload(randomBytes(100), bearer());
    // An account cannot take an anonymous upload, nor a visitor an account's.
    assert.equal((await createPush([{ upload_id: anonymous, sealed_metadata: 'AAAA' }], bearer())).status, 422);
    assert.equal((await createPush([{ upload_id: owned, sealed_metadata: 'AAAA' }], {})).status, 422);
    assert.equal((await server.fetch(`${API}/uploads/${owned}`, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0' } })).status, 404);
    const created = await createPush([{ upload_id: anonymous, sealed_metadata: 'AAAA' }], {});
    assert.equal(created.status, 201, await created.text());
  });

  it('lets an upload become part of one push only, however many ask at once', async () => {
    const id = await upload(randomBytes(1000), bearer());
    const answers = await Promise.all(Array.from({ length: 6 }, () => createPush([{ upload_id: id, sealed_metadata: 'AAAA' }], bearer())));
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [201, 422, 422, 422, 422, 422]);
  });

  it('checks CSRF on uploads from a signed-in browser session', async () => {
    const browser = new WebClient(server);
    await signUp(browser, 'upload-browser@example.com');
    await browser.get('/');
    const headers = { 'tus-resumable': '1.0.0', 'upload-length': '10', 'upload-metadata': 'mode ZTJl', 'sec-fetch-site': 'same-origin' };
    const forged = await browser.request(`${API}/uploads`, { method: 'POST', headers });
    assert.equal(forged.status, 403);
    assert.equal(((await forged.json()) as { code: string }).code, 'CSRF_FAILED');
    const genuine = await browser.request(`${API}/uploads`, { method: 'POST', headers: { ...headers, 'x-csrf-token': browser.csrfToken! } });
    assert.equal(genuine.status, 201);
  });

  it('completes an empty server-side upload at once, and its push serves an empty file', async () => {
    const metadata = `mode ${Buffer.from('server').toString('base64')},filename ${Buffer.from('empty.txt').toString('base64')},filetype ${Buffer.from('text/plain').toString('base64')}`;
    const created = await server.fetch(`${API}/uploads`, { method: 'POST', headers: { ...bearer(), 'tus-resumable': '1.0.0', 'upload-length': '0', 'upload-metadata': metadata } });
    assert.equal(created.status, 201);
    const id = created.headers.get('location')!.split('/').pop()!;
    const push = await server.fetch(`${API}/pushes`, { method: 'POST', headers: { ...bearer(), 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'file', files: [{ upload_id: id }] }) });
    assert.equal(push.status, 201, await push.clone().text());
    const { token: pushToken } = (await push.json()) as { token: string };
    const view = (await (await server.fetch(`${API}/pushes/${pushToken}/reveal`, { method: 'POST' })).json()) as { files: Array<{ name: string; size: number; url: string }> };
    assert.deepEqual([view.files[0]!.name, view.files[0]!.size], ['empty.txt', 0]);
    const download = await fetch(view.files[0]!.url);
    assert.equal(download.status, 200);
    assert.equal((await download.arrayBuffer()).byteLength, 0);
  });

  it('answers a failure inside an upload with a bare 500 that names nothing', async () => {
    const metadata = `mode ${Buffer.from('server').toString('base64')},filename ${Buffer.from('x.txt').toString('base64')}`;
    const created = await server.fetch(`${API}/uploads`, { method: 'POST', headers: { ...bearer(), 'tus-resumable': '1.0.0', 'upload-length': '10', 'upload-metadata': metadata } });
    const id = created.headers.get('location')!.split('/').pop()!;
    // A damaged wrapped key: opening it throws inside the data store.
    const inspector = inspectDatabase(fixture.database);
    try {
      await inspector.db.updateTable('file_uploads').set({ wrapped_key: Buffer.from('not an envelope') }).where('id', '=', id).execute();
    } finally {
      await inspector.close();
    }
    const patched = await server.fetch(`${API}/uploads/${id}`, {
      method: 'PATCH',
      headers: { ...bearer(), 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: new Uint8Array(10),
    });
    assert.equal(patched.status, 500);
    assert.equal(await patched.text(), 'The server could not handle this upload request.\n');
  });

  it('deletes the joined blob of an uploaded file when its push is deleted or runs out of time', async () => {
    const byViewer = await upload(randomBytes(500), bearer());
    const deletable = await createPush([{ upload_id: byViewer, sealed_metadata: 'AAAA' }], bearer(), { deletable_by_viewer: true });
    const deletablePush = (await deletable.json()) as { token: string };
    assert.ok(storedKeys().some((key) => key.includes(byViewer)));
    assert.equal((await server.fetch(`${API}/pushes/${deletablePush.token}`, { method: 'DELETE' })).status, 200);
    assert.equal(storedKeys().some((key) => key.includes(byViewer)), false);

    const timed = await upload(randomBytes(500), bearer());
    assert.equal((await createPush([{ upload_id: timed, sealed_metadata: 'AAAA' }], bearer(), { expire_after_days: 1 })).status, 201);
    now += 2 * DAY;
    await waitFor(() => !storedKeys().some((key) => key.includes(timed)), 'the blob is deleted on expiry');
  });
});
