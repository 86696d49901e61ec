import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import * as tus from 'tus-js-client';
import { newLinkSecret } from '../../src/crypto/e2e/e2e-format.js';
import { decryptE2eFile, deriveE2eFileRoot, e2eFileKey, encryptE2eFile, openE2eFileMetadata, sealE2eFileMetadata } from '../../src/crypto/e2e/e2e-files.js';
import type { BlobStore } from '../../src/files/blob-store.js';
import { createS3BlobStore } from '../../src/files/s3-blob-store.js';
import { accountWithToken } from '../support/account-tokens.js';
import { startCuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestS3Server, type TestS3Server } from '../support/s3-test-server.js';
import { listStoredBlobs } from '../support/stored-blobs.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const MIB = 1024 * 1024;
const HOUR = 3_600_000;
const API = '/api/passdrop/v1';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Runs a whole WHATWG transform over bytes in memory (the test's files are a few MiB). */
async function through(bytes: Uint8Array, transform: TransformStream<Uint8Array, Uint8Array>): Promise<Buffer> {
  const out = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(transform);
  return Buffer.from(await new Response(out).arrayBuffer());
}

for (const storage of ['disk', 's3'] as const) {
  describeEachDatabase(`resumable uploads (tus), ${storage} storage`, (fixture) => {
    let server: TestServer;
    let proxy: CuttingProxy;
    let s3: TestS3Server | undefined;
    let bucket: BlobStore | undefined;
    let token: string;
    let otherToken: string;
    let now = Date.now();

    before(async () => {
      s3 = storage === 's3' ? await startTestS3Server() : undefined;
      bucket = s3 ? await createS3BlobStore(s3.storeOptions()) : undefined;
      token = await accountWithToken(fixture.database, 'uploads@example.com');
      otherToken = await accountWithToken(fixture.database, 'other-uploads@example.com');
      server = await startTestServer(fixture.database, {
        clock: () => now,
        env: {
          PASSDROP_SWEEP_INTERVAL_SECONDS: '1',
          PASSDROP_BODY_LIMIT_BYTES: '65536',
          PASSDROP_FILE_MAX_FILE_MIB: '8',
          PASSDROP_FILE_MAX_PUSH_MIB: '12',
          PASSDROP_FILE_ACCOUNT_QUOTA_MIB: '20',
          PASSDROP_FILE_ABANDONED_UPLOAD_HOURS: '2',
          ...s3?.passdropEnvironment(),
        },
      });
      proxy = await startCuttingProxy(new URL(server.url));
    });
    after(async () => {
      await proxy?.stop();
      await server?.stop();
      await bucket?.close();
      await s3?.stop();
    });

    const storedBlobs = () => listStoredBlobs(server.config.dataDir, bucket);
    const blobsOfUpload = async (id: string) => (await storedBlobs()).filter((key) => key.includes(`uploads/${id}/`) || key.includes(`uploads${'/'}${id}`));

    async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
      const deadline = Date.now() + 15_000;
      while (!(await condition())) {
        if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    const auth = (bearer = token) => ({ authorization: `Bearer ${bearer}` });
    const tusHeaders = (bearer = token) => ({ ...auth(bearer), 'tus-resumable': '1.0.0' });

    async function offsetOf(uploadUrl: string, bearer = token): Promise<number | undefined> {
      const response = await fetch(uploadUrl, { method: 'HEAD', headers: tusHeaders(bearer) });
      return response.status === 200 ? Number(response.headers.get('upload-offset')) : undefined;
    }

    /** Uploads `bytes` with tus-js-client; resolves with the upload URL and the offsets its PATCH requests started at. */
    function tusUpload(bytes: Uint8Array, options: { endpoint?: string; uploadUrl?: string; metadata?: Record<string, string>; bearer?: string } = {}) {
      const patchOffsets: number[] = [];
      let url: string | null = options.uploadUrl ?? null;
      const done = new Promise<string>((resolve, reject) => {
        const upload = new tus.Upload(Buffer.from(bytes), {
          endpoint: options.endpoint ?? `${proxy.url}${API}/uploads`,
          ...(options.uploadUrl ? { uploadUrl: options.uploadUrl } : {}),
          metadata: options.metadata ?? { mode: 'e2e' },
          headers: auth(options.bearer),
          retryDelays: [],
          storeFingerprintForResuming: false,
          onBeforeRequest(request) {
            if (request.getMethod() === 'PATCH') patchOffsets.push(Number(request.getHeader('Upload-Offset')));
          },
          onUploadUrlAvailable() {
            url = upload.url;
          },
          onError: (error) => reject(Object.assign(error, { uploadUrl: url })),
          onSuccess: () => resolve(upload.url!),
        });
        upload.start();
      });
      return { done, patchOffsets, uploadUrl: () => url };
    }

    it('resumes an end-to-end upload after its connection drops mid-request, and a push of it downloads and opens intact', async () => {
      const plaintext = randomBytes(3 * MIB + 777);
      const linkSecret = newLinkSecret();
      const { fileRoot } = await deriveE2eFileRoot({ linkSecret });
      const fileKey = await e2eFileKey(fileRoot, 0);
      const ciphertext = await through(plaintext, encryptE2eFile(fileKey));
      const sealedMetadata = await sealE2eFileMetadata({ name: 'photos ü.tar', type: 'application/x-tar', size: plaintext.length }, fileKey);

      // The connection is cut after about 1 MiB of the upload's bytes.
      proxy.cutAfter(MIB);
      const first = tusUpload(ciphertext);
      const failure = (await first.done.then(
        () => undefined,
        (error: unknown) => error,
      )) as { uploadUrl: string | null } | undefined;
      assert.ok(failure, 'the first attempt fails when its connection drops');
      const uploadUrl = failure.uploadUrl!;
      assert.ok(uploadUrl, 'the upload was created before the cut');
      // What arrived before the cut is kept: the server settles it once it notices the dropped connection.
      await waitFor(async () => ((await offsetOf(uploadUrl)) ?? 0) > 0, 'the server keeps the bytes that arrived');
      const kept = (await offsetOf(uploadUrl))!;
      assert.ok(kept > 0 && kept < ciphertext.length, `kept ${kept} of ${ciphertext.length} bytes`);

      const resumed = tusUpload(ciphertext, { uploadUrl });
      assert.equal(await resumed.done, uploadUrl);
      assert.deepEqual(resumed.patchOffsets, [kept], 'the second attempt starts where the first stopped');
      assert.equal(await offsetOf(uploadUrl), ciphertext.length);
      const uploadId = uploadUrl.split('/').pop()!;
      assert.deepEqual(
        (await blobsOfUpload(uploadId)).map((key) => key.slice(key.indexOf(uploadId) + uploadId.length + 1)),
        ['data'],
        'one joined blob, no pieces left',
      );

      const created = await server.fetch(`${API}/pushes`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'file', encryption: 'client', expire_after_views: 1, files: [{ upload_id: uploadId, sealed_metadata: Buffer.from(sealedMetadata).toString('base64url') }] }),
      });
      const push = (await created.json()) as { token: string; kind: string; encryption: string };
      assert.equal(created.status, 201, JSON.stringify(push));
      assert.equal(push.kind, 'file');
      // The upload now belongs to the push: it can be neither attached again nor resumed.
      assert.equal(await offsetOf(uploadUrl), undefined);
      const again = await server.fetch(`${API}/pushes`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'file', encryption: 'client', files: [{ upload_id: uploadId, sealed_metadata: 'AAAA' }] }),
      });
      assert.equal(again.status, 422);

      const revealed = await server.fetch(`${API}/pushes/${push.token}/reveal`, { method: 'POST' });
      const view = (await revealed.json()) as { files: Array<{ position: number; name: string | null; size: number; sealed_metadata: string; url: string }>; download_expires_at: string };
      assert.equal(revealed.status, 200, JSON.stringify(view));
      assert.equal(view.files.length, 1);
      assert.equal(view.files[0]!.name, null, 'the server never knew the name');
      assert.equal(view.files[0]!.size, ciphertext.length);
      const metadata = await openE2eFileMetadata(Buffer.from(view.files[0]!.sealed_metadata, 'base64url'), await e2eFileKey((await deriveE2eFileRoot({ linkSecret })).fileRoot, 0));
      assert.deepEqual(metadata, { name: 'photos ü.tar', type: 'application/x-tar', size: plaintext.length });
      const download = await fetch(view.files[0]!.url);
      assert.equal(download.status, 200);
      assert.equal(download.headers.get('cache-control'), 'no-store');
      const opened = await through(new Uint8Array(await download.arrayBuffer()), decryptE2eFile(fileKey));
      assert.equal(sha256(opened), sha256(plaintext));
    });

    it('answers a PATCH at a stale offset at once, however large its body, and reads the rest so the connection stays usable', { timeout: 30_000 }, async () => {
      const created = await fetch(`${server.url}${API}/uploads`, {
        method: 'POST',
        headers: { ...tusHeaders(), 'upload-length': String(7 * MIB), 'upload-metadata': `mode ${Buffer.from('e2e').toString('base64')}` },
      });
      assert.equal(created.status, 201);
      const uploadUrl = new URL(created.headers.get('location')!, server.url);
      // Resolves once the answer has arrived and the whole body has been written (the server read it).
      const patch = (offset: number, body: Uint8Array) =>
        new Promise<number>((resolve, reject) => {
          const request = httpRequest(uploadUrl, { method: 'PATCH', agent, headers: { ...tusHeaders(), 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream', 'content-length': String(body.length) } });
          const sent = once(request, 'finish');
          request.on('response', (response) => {
            response.resume();
            response.on('end', () => void sent.then(() => resolve(response.statusCode!), reject));
          });
          request.on('error', reject);
          request.end(body);
        });
      const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
      try {
        assert.equal(await patch(0, new Uint8Array(MIB)), 204);
        // What Chromium does when a PATCH is cut on a reused connection: the same request again from its start.
        // Left unread, its 16 MiB stalled the connection (a browser waited ~50 s before resuming).
        assert.equal(await patch(0, new Uint8Array(16 * MIB)), 409);
        assert.equal(await patch(MIB, new Uint8Array(MIB)), 204, 'the same connection takes the next request');
        assert.equal(await offsetOf(uploadUrl.href), 2 * MIB);
      } finally {
        agent.destroy();
      }
    });

    it('seals a server-side upload at rest as it arrives, and a server-side push serves the plaintext with its name', async () => {
      const plaintext = Buffer.concat([Buffer.from('a plain secret file '), randomBytes(2 * MIB)]);
      proxy.cutAfter(700 * 1024);
      const first = tusUpload(plaintext, { metadata: { mode: 'server', filename: 'notes.txt', filetype: 'text/plain' } });
      const failure = (await first.done.catch((error: unknown) => error)) as { uploadUrl: string };
      const uploadUrl = failure.uploadUrl;
      await waitFor(async () => ((await offsetOf(uploadUrl)) ?? 0) > 0, 'the server keeps the bytes that arrived');
      const uploadId = uploadUrl.split('/').pop()!;
      if (!bucket) {
        for (const key of await blobsOfUpload(uploadId)) {
          assert.equal(readFileSync(join(server.config.dataDir, 'files', key)).includes(Buffer.from('a plain secret file')), false, 'no plaintext at rest');
        }
      }
      const resumed = tusUpload(plaintext, { uploadUrl, metadata: { mode: 'server', filename: 'notes.txt', filetype: 'text/plain' } });
      await resumed.done;
      assert.ok(resumed.patchOffsets[0]! > 0);

      const created = await server.fetch(`${API}/pushes`, {
        method: 'POST',
        headers: { ...auth(), 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'file', payload: 'see the notes', files: [{ upload_id: uploadId }] }),
      });
      const push = (await created.json()) as { token: string };
      assert.equal(created.status, 201, JSON.stringify(push));
      const view = (await (await server.fetch(`${API}/pushes/${push.token}/reveal`, { method: 'POST' })).json()) as { payload: string; files: Array<{ name: string; content_type: string; url: string }> };
      assert.equal(view.payload, 'see the notes');
      assert.deepEqual([view.files[0]!.name, view.files[0]!.content_type], ['notes.txt', 'text/plain']);
      const download = await fetch(view.files[0]!.url);
      assert.match(download.headers.get('content-disposition') ?? '', /filename="notes.txt"/);
      assert.equal(sha256(new Uint8Array(await download.arrayBuffer())), sha256(plaintext));
    });

    it('deletes every byte of a cancelled upload (tus DELETE)', async () => {
      proxy.cutAfter(600 * 1024);
      const failure = (await tusUpload(randomBytes(2 * MIB)).done.catch((error: unknown) => error)) as { uploadUrl: string };
      await waitFor(async () => ((await offsetOf(failure.uploadUrl)) ?? 0) > 0, 'a piece is stored');
      const uploadId = failure.uploadUrl.split('/').pop()!;
      assert.ok((await blobsOfUpload(uploadId)).length > 0);
      // Another account cannot touch it.
      assert.equal((await fetch(failure.uploadUrl, { method: 'DELETE', headers: tusHeaders(otherToken) })).status, 404);
      const cancelled = await fetch(failure.uploadUrl, { method: 'DELETE', headers: tusHeaders() });
      assert.equal(cancelled.status, 204);
      assert.deepEqual(await blobsOfUpload(uploadId), []);
      assert.equal(await offsetOf(failure.uploadUrl), undefined);
    });

    it('sweeps an abandoned upload and its bytes', async () => {
      proxy.cutAfter(600 * 1024);
      const failure = (await tusUpload(randomBytes(2 * MIB)).done.catch((error: unknown) => error)) as { uploadUrl: string };
      await waitFor(async () => ((await offsetOf(failure.uploadUrl)) ?? 0) > 0, 'a piece is stored');
      const uploadId = failure.uploadUrl.split('/').pop()!;
      now += 3 * HOUR;
      await waitFor(async () => (await blobsOfUpload(uploadId)).length === 0, 'the abandoned upload is swept');
      assert.equal(await offsetOf(failure.uploadUrl), undefined);
    });

    it('refuses uploads over the file limit or the quota, from visitors, and with a name in clear for end-to-end', async () => {
      const create = (length: number, headers: Record<string, string>, metadata = 'mode ZTJl') =>
        server.fetch(`${API}/uploads`, { method: 'POST', headers: { ...headers, 'tus-resumable': '1.0.0', 'upload-length': String(length), 'upload-metadata': metadata } });
      const tooBig = await create(9 * MIB, auth());
      assert.equal(tooBig.status, 413);
      assert.match(((await tooBig.json()) as { error: string }).error, /A file may be at most 8 MiB/);
      // 20 MiB quota: two uploads of 7 MiB are pending, a third would pass it.
      const fresh = await accountWithToken(fixture.database, `quota-${storage}-${Date.now()}@example.com`);
      for (let index = 0; index < 2; index += 1) assert.equal((await create(7 * MIB, auth(fresh))).status, 201);
      const over = await create(7 * MIB, auth(fresh));
      assert.equal(over.status, 413);
      assert.match(((await over.json()) as { error: string }).error, /quota of 20 MiB/);
      // The pending uploads count against the quota on Password Pusher's multipart path too.
      const form = new FormData();
      form.append('file_push[files][]', new Blob([new Uint8Array(randomBytes(7 * MIB))]), 'more.bin');
      const multipart = await server.fetch('/f.json', { method: 'POST', headers: auth(fresh), body: form });
      assert.equal(multipart.status, 413);
      assert.match(((await multipart.json()) as { error: string }).error, /quota of 20 MiB/);
      const anonymous = await create(10, {});
      assert.equal(anonymous.status, 401);
      const named = await create(10, auth(), `mode ${Buffer.from('e2e').toString('base64')},filename ${Buffer.from('secret.pdf').toString('base64')}`);
      assert.equal(named.status, 400);
      const deferred = await server.fetch(`${API}/uploads`, { method: 'POST', headers: { ...auth(), 'tus-resumable': '1.0.0', 'upload-defer-length': '1' } });
      assert.equal(deferred.status, 400);
      // Says what to send, as a sentence: it is a header that is missing, not a body that is unreadable.
      const refusal = (await deferred.json()) as { code: string; error: string };
      assert.deepEqual([refusal.code, refusal.error], ['INVALID_UPLOAD', 'This upload cannot start: send its length in bytes as Upload-Length (deferred lengths are not accepted).']);
    });
  });
}
