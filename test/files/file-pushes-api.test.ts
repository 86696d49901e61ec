import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, it } from 'node:test';
import type { BlobStore } from '../../src/files/blob-store.js';
import { createS3BlobStore } from '../../src/files/s3-blob-store.js';
import { accountWithToken } from '../support/account-tokens.js';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestS3Server, type TestS3Server } from '../support/s3-test-server.js';
import { listStoredBlobs } from '../support/stored-blobs.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { tokenDigest } from '../../src/crypto/token-digest.js';

const MINUTE = 60_000;
const MIB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface PasswordPusherFileJson {
  filename: string;
  content_type: string;
  url: string;
}

/** A multipart body with the given fields and files under `<root>[files][]`. */
function filePushForm(root: string, fields: Record<string, string>, files: Array<{ name: string; type: string; bytes: Uint8Array }>): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(`${root}[${name}]`, value);
  for (const file of files) form.append(`${root}[files][]`, new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
  return form;
}

for (const storage of ['disk', 's3'] as const) {
  describeEachDatabase(`file pushes through the Password Pusher API, ${storage} storage`, (fixture) => {
    let server: TestServer;
    let s3: TestS3Server | undefined;
    let bucket: BlobStore | undefined;
    let token: string;
    let otherToken: string;
    let limitsToken: string;
    let now = Date.now();
    const auth = () => ({ authorization: `Bearer ${token}` });

    before(async () => {
      s3 = storage === 's3' ? await startTestS3Server() : undefined;
      bucket = s3 ? await createS3BlobStore(s3.storeOptions()) : undefined;
      token = await accountWithToken(fixture.database, 'files@example.com');
      otherToken = await accountWithToken(fixture.database, 'quota@example.com');
      // The limits test has an account of its own: the other tests' files must not bring its quota into play.
      limitsToken = await accountWithToken(fixture.database, 'limits@example.com');
      server = await startTestServer(fixture.database, {
        clock: () => now,
        env: {
          PASSDROP_SWEEP_INTERVAL_SECONDS: '1',
          // Far below the files sent: file parts are streamed, never held to the JSON body limit.
          PASSDROP_BODY_LIMIT_BYTES: '65536',
          PASSDROP_FILE_MAX_FILE_MIB: '3',
          PASSDROP_FILE_MAX_PUSH_MIB: '4',
          PASSDROP_FILE_MAX_FILES: '3',
          PASSDROP_FILE_ACCOUNT_QUOTA_MIB: '6',
          PASSDROP_FILE_MIN_FREE_DISK_MIB: '1',
          PASSDROP_FILE_DOWNLOAD_WINDOW_MINUTES: '15',
          // Below the attempts allowed per minute, so the lock comes before the rate limit.
          PASSDROP_PASSPHRASE_MAX_FAILURES: '3',
          ...s3?.passdropEnvironment(),
        },
      });
    });
    after(async () => {
      await server?.stop();
      await bucket?.close();
      await s3?.stop();
    });

    const storedBlobs = () => listStoredBlobs(server.config.dataDir, bucket);

    async function blobsOf(pushToken: string): Promise<string[]> {
      return (await storedBlobs()).filter((key) => key.includes(pushToken));
    }

    async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
      const deadline = Date.now() + 15_000;
      while (!(await condition())) {
        if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    async function createFilePush(fields: Record<string, string>, files: Array<{ name: string; type: string; bytes: Uint8Array }>, path = '/f.json', root = 'file_push') {
      const response = await server.fetch(path, { method: 'POST', headers: auth(), body: filePushForm(root, fields, files) });
      const body = (await response.json()) as Record<string, unknown>;
      assert.equal(response.status, 201, JSON.stringify(body));
      return body as { url_token: string; expire_after_views: number };
    }

    async function view(pushToken: string, query = '') {
      const response = await server.fetch(`/p/${pushToken}.json${query}`);
      return { status: response.status, body: (await response.json()) as { payload: string | null; files: PasswordPusherFileJson[]; expired: boolean } };
    }

    it('stores files bigger than the body limit encrypted, lists them on a view and serves each intact, with an audit event per download', async () => {
      const big = randomBytes(2 * MIB + 12345);
      const small = Buffer.from('id,name\n1,Ada\n');
      const push = await createFilePush({ payload: 'the report and its data', expire_after_views: '2' }, [
        { name: 'report.bin', type: 'application/octet-stream', bytes: big },
        { name: 'data ü.csv', type: 'text/csv', bytes: small },
      ]);
      const stored = await blobsOf(push.url_token);
      assert.equal(stored.length, 2, stored.join(', '));
      if (!bucket) {
        // At rest: the record format, never the plaintext.
        const onDisk = readFileSync(join(server.config.dataDir, 'files', stored.find((key) => key.endsWith('1'))!));
        assert.equal(onDisk.includes(small), false);
      }

      const { status, body } = await view(push.url_token);
      assert.equal(status, 200);
      assert.equal(body.payload, 'the report and its data');
      assert.deepEqual(
        body.files.map((file) => [file.filename, file.content_type]),
        [
          ['report.bin', 'application/octet-stream'],
          ['data ü.csv', 'text/csv'],
        ],
      );
      const first = await fetch(body.files[0]!.url);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('cache-control'), 'no-store');
      assert.match(first.headers.get('content-disposition') ?? '', /^attachment; filename="report.bin"/);
      assert.equal(sha256(new Uint8Array(await first.arrayBuffer())), sha256(big));
      const second = await fetch(body.files[1]!.url);
      assert.equal(Buffer.from(await second.arrayBuffer()).toString(), small.toString());
      assert.match(second.headers.get('content-disposition') ?? '', /filename\*=UTF-8''data%20%C3%BC\.csv/);

      const inspector = inspectDatabase(fixture.database);
      try {
        const events = await inspector.db
          .selectFrom('audit_events')
          .innerJoin('pushes', 'pushes.id', 'audit_events.push_id')
          .select(['audit_events.kind', 'audit_events.reason'])
          .where('link_digest', '=', tokenDigest(push.url_token))
          .orderBy('audit_events.id')
          .execute();
        assert.deepEqual(
          events.map((event) => [event.kind, event.reason]),
          [
            ['created', null],
            ['viewed', null],
            ['file_download', 'file 1: report.bin'],
            ['file_download', 'file 2: data ü.csv'],
          ],
        );
      } finally {
        await inspector.close();
      }
    });

    it('takes files[] on /p.json and the v2 API too, and answers Password Pusher\'s files array', async () => {
      const bytes = randomBytes(1000);
      const v1 = await createFilePush({ payload: '' }, [{ name: 'a.bin', type: 'application/octet-stream', bytes }], '/p.json', 'password');
      const v2 = await createFilePush({ kind: 'file' }, [{ name: 'b.txt', type: 'text/plain', bytes }], '/api/v2/pushes', 'push');
      for (const pushToken of [v1.url_token, v2.url_token]) {
        const response = await server.fetch(`/api/v2/pushes/${pushToken}`);
        const body = (await response.json()) as { files: PasswordPusherFileJson[] };
        assert.equal(body.files.length, 1);
        assert.equal(sha256(new Uint8Array(await (await fetch(body.files[0]!.url)).arrayBuffer())), sha256(bytes));
      }
    });

    it('needs an account by default, like Password Pusher', async () => {
      const response = await server.fetch('/p.json', { method: 'POST', body: filePushForm('password', { payload: 'x' }, [{ name: 'a', type: 'text/plain', bytes: Buffer.from('a') }]) });
      assert.equal(response.status, 401);
      assert.deepEqual(await response.json(), { error: 'You need to sign in or sign up before continuing.' });
      const noFiles = await server.fetch('/f.json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ file_push: { payload: 'x' } }) });
      assert.equal(noFiles.status, 401);
    });

    it('refuses a file over the per-file limit, too many files and a push over its limit, leaving nothing stored', async () => {
      const limits = { authorization: `Bearer ${limitsToken}` };
      const before = await storedBlobs();
      const tooBig = await server.fetch('/f.json', { method: 'POST', headers: limits, body: filePushForm('file_push', {}, [{ name: 'big', type: 'text/plain', bytes: randomBytes(3 * MIB + 1) }]) });
      assert.equal(tooBig.status, 413);
      assert.match(((await tooBig.json()) as { error: string }).error, /A file may be at most 3 MiB/);
      const many = Array.from({ length: 4 }, (_, index) => ({ name: `f${index}`, type: 'text/plain', bytes: Buffer.from(`file ${index}`) }));
      const tooMany = await server.fetch('/f.json', { method: 'POST', headers: limits, body: filePushForm('file_push', {}, many) });
      assert.equal(tooMany.status, 422);
      assert.deepEqual(await tooMany.json(), { files: ['You can only attach up to 3 files per push.'] });
      const twoBig = [0, 1].map((index) => ({ name: `half${index}`, type: 'text/plain', bytes: randomBytes(2 * MIB + 1) }));
      const pushTooBig = await server.fetch('/f.json', { method: 'POST', headers: limits, body: filePushForm('file_push', {}, twoBig) });
      assert.equal(pushTooBig.status, 413);
      assert.match(((await pushTooBig.json()) as { error: string }).error, /at most 4 MiB together/);
      await waitFor(async () => (await storedBlobs()).length === before.length, 'the refused uploads are deleted');
      assert.deepEqual(await storedBlobs(), before);
    });

    it('stops an account at its quota', async () => {
      const quota = { authorization: `Bearer ${otherToken}` };
      const three = randomBytes(3 * MIB);
      for (let index = 0; index < 2; index += 1) {
        const response = await server.fetch('/f.json', { method: 'POST', headers: quota, body: filePushForm('file_push', {}, [{ name: 'q', type: 'text/plain', bytes: three }]) });
        assert.equal(response.status, 201);
      }
      const over = await server.fetch('/f.json', { method: 'POST', headers: quota, body: filePushForm('file_push', {}, [{ name: 'q', type: 'text/plain', bytes: Buffer.from('one more') }]) });
      assert.equal(over.status, 413);
      assert.match(((await over.json()) as { error: string }).error, /quota of 6 MiB/);
    });

    it('keeps the files of a last view for its download window, then deletes them', async () => {
      const bytes = randomBytes(5000);
      const push = await createFilePush({ expire_after_views: '1' }, [{ name: 'once.bin', type: 'application/octet-stream', bytes }]);
      const { body } = await view(push.url_token);
      assert.equal(body.files.length, 1);
      // The push has expired by its views, yet the view's window is open.
      assert.equal((await view(push.url_token)).body.files.length, 0);
      assert.equal((await fetch(body.files[0]!.url)).status, 200);
      assert.equal((await blobsOf(push.url_token)).length, 1);
      now += 16 * MINUTE;
      assert.equal((await fetch(body.files[0]!.url)).status, 404);
      await waitFor(async () => (await blobsOf(push.url_token)).length === 0, 'the blob is deleted after the window');
    });

    it('deletes the blobs at once when the owner or a viewer deletes the push, and after a passphrase lock', async () => {
      const owned = await createFilePush({}, [{ name: 'x', type: 'text/plain', bytes: Buffer.from('owner deletes') }]);
      const opened = await view(owned.url_token);
      assert.equal((await server.fetch(`/p/${owned.url_token}.json`, { method: 'DELETE', headers: auth() })).status, 200);
      assert.deepEqual(await blobsOf(owned.url_token), []);
      assert.equal((await fetch(opened.body.files[0]!.url)).status, 404, 'a deletion closes the open windows');

      const byViewer = await createFilePush({ deletable_by_viewer: 'true' }, [{ name: 'x', type: 'text/plain', bytes: Buffer.from('viewer deletes') }]);
      assert.equal((await server.fetch(`/p/${byViewer.url_token}.json`, { method: 'DELETE' })).status, 200);
      assert.deepEqual(await blobsOf(byViewer.url_token), []);

      const locked = await createFilePush({ passphrase: 'right one' }, [{ name: 'x', type: 'text/plain', bytes: Buffer.from('locked away') }]);
      for (let attempt = 0; attempt < 5 && (await blobsOf(locked.url_token)).length > 0; attempt += 1) {
        assert.equal((await view(locked.url_token, `?passphrase=wrong${attempt}`)).status, 401);
      }
      assert.deepEqual(await blobsOf(locked.url_token), []);
    });

    it('deletes the blobs when time runs out, even when nobody visits', async () => {
      const push = await createFilePush({ expire_after_days: '1' }, [{ name: 'x', type: 'text/plain', bytes: Buffer.from('time runs out') }]);
      assert.equal((await blobsOf(push.url_token)).length, 1);
      now += 25 * 60 * MINUTE;
      await waitFor(async () => (await blobsOf(push.url_token)).length === 0, 'the blob is deleted on expiry');
    });

    it('sweeps the blobs of uploads that never became a push', async () => {
      const store = bucket ?? (await (await import('../../src/files/disk-blob-store.js')).createDiskBlobStore(join(server.config.dataDir, 'files')));
      // Earlier cases moved the clock a day ahead of the blobs' real modification times: back to real time,
      // or the sweeper could take the orphan before it is even checked.
      now = Date.now();
      const orphan = `pushes/${randomBytes(16).toString('base64url')}/0`;
      await store.put(orphan, Readable.from([Buffer.from('abandoned')]));
      assert.ok((await storedBlobs()).some((key) => key.endsWith(orphan.split('/')[1]!) || key.includes(orphan.split('/')[1]!)));
      now += 25 * 60 * MINUTE;
      await waitFor(async () => !(await storedBlobs()).some((key) => key.includes(orphan.split('/')[1]!)), 'the abandoned blob is swept');
    });
  });
}
