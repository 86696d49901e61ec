import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const EMAIL = 'pwpush-cli@example.com';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The two requests of pwpush-cli's `push-file` as it sends them (pglombardo/pwpush-cli, commands/push.py and
 * api/client.py; the CLI itself comes from PyPI, which this machine cannot reach): a multipart POST whose
 * fields are its nested dict flattened to `root[key]`, Python's booleans as "True"/"False", and the file part
 * named by the file's base name with no content type of its own; then a GET of the preview for the link it
 * prints. Headers: Authorization: Bearer, plus X-User-Email and X-User-Token when an email is configured.
 */
async function pwpushCliPushFile(server: TestServer, token: string, profile: 'legacy' | 'v2', fields: Record<string, string>, file: { name: string; bytes: Uint8Array }) {
  const root = profile === 'legacy' ? 'file_push' : 'push';
  const form = new FormData();
  form.append(`${root}[payload]`, '');
  form.append(`${root}[kind]`, 'file');
  for (const [name, value] of Object.entries(fields)) form.append(`${root}[${name}]`, value);
  form.append(`${root}[files][]`, new Blob([file.bytes as BlobPart]), file.name);
  const headers = { authorization: `Bearer ${token}`, 'x-user-email': EMAIL, 'x-user-token': token };
  const created = await server.fetch(profile === 'legacy' ? '/f.json' : '/api/v2/pushes', { method: 'POST', headers, body: form });
  const body = (await created.json()) as { url_token?: string; error?: string };
  assert.equal(created.status, 201, JSON.stringify(body));
  const previewPath = profile === 'legacy' ? `/f/${body.url_token}/preview.json` : `/api/v2/pushes/${body.url_token}/preview`;
  const preview = await server.fetch(previewPath, { headers });
  assert.equal(preview.status, 200);
  return { token: body.url_token!, url: ((await preview.json()) as { url: string }).url };
}

describeEachDatabase("pwpush-cli's push-file against Passdrop", (fixture) => {
  let server: TestServer;
  let token: string;

  before(async () => {
    token = await accountWithToken(fixture.database, EMAIL);
    server = await startTestServer(fixture.database);
  });
  after(async () => {
    await server?.stop();
  });

  for (const profile of ['legacy', 'v2'] as const) {
    it(`pushes a file through the ${profile} profile, prints a link, and the recipient gets the file with its name`, async () => {
      const bytes = randomBytes(300_000);
      const fields: Record<string, string> =
        profile === 'legacy'
          ? { expire_after_days: '7', expire_after_views: '3', deletable_by_viewer: 'True', retrieval_step: 'False', name: 'quarterly backup' }
          : { expire_after_duration: '12', expire_after_views: '3', deletable_by_viewer: 'True', retrieval_step: 'False', name: 'quarterly backup' };
      const pushed = await pwpushCliPushFile(server, token, profile, fields, { name: 'backup.zip', bytes });
      assert.match(pushed.url, new RegExp(`/${pushed.token}`), 'the printed link names the push');

      const retrieved = await server.fetch(`/p/${pushed.token}.json`);
      const view = (await retrieved.json()) as { files: Array<{ filename: string; content_type: string; url: string }>; expire_after_views: number; deletable_by_viewer: boolean; retrieval_step: boolean };
      assert.equal(retrieved.status, 200);
      assert.equal(view.expire_after_views, 3);
      assert.equal(view.deletable_by_viewer, true, '"True" from Python is true');
      assert.equal(view.retrieval_step, false, '"False" from Python is false');
      assert.deepEqual(
        view.files.map((file) => file.filename),
        ['backup.zip'],
      );
      const download = await fetch(view.files[0]!.url);
      assert.equal(download.status, 200);
      assert.equal(sha256(new Uint8Array(await download.arrayBuffer())), sha256(bytes));
    });
  }
});
