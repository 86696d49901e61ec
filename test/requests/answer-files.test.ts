import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { openE2eFileMetadata } from '../../src/crypto/e2e/e2e-files.js';
import {
  answerFileKey,
  decodeFilesAnswer,
  encodeFilesAnswer,
  newAnswerId,
  openAnswer,
  startAnswer,
  type RequesterKeyPair,
} from '../../src/crypto/requests/request-answer-format.js';
import { openRecords, sealRecords } from '../../src/crypto/stream/record-stream.js';
import type { Database } from '../../src/storage/open-database.js';
import { databaseBytes, inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { json } from '../support/push-helpers.js';
import { accountToken, answerWithFilesThroughApi, bearer, createRequest, uploadForAnswer, type CreatedRequest } from '../support/request-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const MINUTE = 60_000;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface RevealedAnswer {
  ciphertext: string;
  answer: { answer_id: string; kind: string; file_count: number; expired: boolean };
  files: Array<{ position: number; size: number; sealed_metadata: string; url: string }>;
  files_available_until: string | null;
}

describeEachDatabase('answers with files (end to end, uploaded by tus)', (fixture) => {
  let server: TestServer;
  let inspector: Database;
  let alice: string;
  let bob: string;
  let now = Date.now();
  before(async () => {
    server = await startTestServer(fixture.database, {
      clock: () => now,
      env: { PASSDROP_FILE_MAX_FILES: '2', PASSDROP_FILE_MAX_FILE_MIB: '1', PASSDROP_SWEEP_INTERVAL_SECONDS: '1', PASSDROP_REQUEST_ANSWERS_PER_IP_PER_HOUR: '1000' },
    });
    inspector = inspectDatabase(fixture.database);
    [alice, bob] = await Promise.all([accountToken(server, 'files-alice@example.com'), accountToken(server, 'files-bob@example.com')]);
  });
  after(async () => {
    await inspector.close();
    await server.stop();
  });

  /** Where the disk blob store keeps a blob (disk-blob-store.ts). */
  const blobPath = (blobKey: string) => join(server.config.dataDir, 'files', 'blobs', ...blobKey.split('/'));

  const upload = (requestToken: string, bytes: Uint8Array, metadata: Record<string, string> = {}) => uploadForAnswer(server, requestToken, bytes, metadata);
  const answerWithFiles = (request: Pick<CreatedRequest, 'token' | 'public_key'>, text: string, files: Array<{ name: string; bytes: Uint8Array }>) =>
    answerWithFilesThroughApi(server, request, text, files);

  /** Reveals an answer and opens its message and every file with the requester's key, as the requester's browser does. */
  async function openWithFiles(token: string, request: CreatedRequest, keys: RequesterKeyPair, answerId: string) {
    const response = await server.fetch(`/api/passdrop/v1/requests/${request.token}/answers/${answerId}/reveal`, { method: 'POST', headers: bearer(token) });
    const revealed = await json<RevealedAnswer>(response);
    assert.equal(response.status, 200, JSON.stringify(revealed));
    const opened = decodeFilesAnswer(await openAnswer(revealed.ciphertext, { requestToken: request.token, answerId, kind: 'files', privateKey: keys.privateKey, publicKey: request.public_key }));
    const files: Array<{ name: string; sha256: string }> = [];
    for (const file of revealed.files) {
      const fileKey = await answerFileKey(revealed.ciphertext, { privateKey: keys.privateKey, publicKey: request.public_key }, file.position);
      const metadata = await openE2eFileMetadata(Buffer.from(file.sealed_metadata, 'base64url'), fileKey);
      const download = await fetch(file.url, { headers: bearer(token) });
      assert.equal(download.status, 200);
      const plaintext = await openRecords(new Uint8Array(await download.arrayBuffer()), { fileKey, purpose: 'file-content' });
      assert.equal(plaintext.length, metadata.size);
      files.push({ name: metadata.name, sha256: sha256(plaintext) });
    }
    return { revealed, opened, files };
  }

  it('takes files sealed to the request key, lists and serves them only to the requester, whose key opens every byte', async () => {
    const { request, keys } = await createRequest(server, alice, { files_allowed: true, answer_expire_after_views: 1 });
    assert.equal(request.files_allowed, true);
    const form = await json<{ files_allowed: boolean; max_files: number; max_file_bytes: number }>(await server.fetch(`/api/passdrop/v1/requests/${request.token}/form`));
    assert.deepEqual({ allowed: form.files_allowed, files: form.max_files, bytes: form.max_file_bytes }, { allowed: true, files: 2, bytes: 1024 * 1024 });
    const tag = randomBytes(4).toString('hex');
    const report = { name: `contract ${tag}.pdf`, bytes: new Uint8Array(randomBytes(300 * 1024 + 7)) };
    const key = { name: `id_ed25519 ${tag}`, bytes: new Uint8Array(Buffer.from(`-----BEGIN OPENSSH PRIVATE KEY----- ${tag}\n`)) };
    const sent = await answerWithFiles(request, 'both attached', [report, key]);
    const accepted = await json<{ answer_id: string }>(sent);
    assert.equal(sent.status, 201, JSON.stringify(accepted));

    const stored = await databaseBytes(fixture.database);
    for (const secret of [report.name, key.name, 'both attached']) assert.equal(stored.indexOf(Buffer.from(secret)), -1, `${secret} reached the database`);
    assert.equal((await inspector.db.selectFrom('file_uploads').select('id').where('request_id', 'is not', null).execute()).length, 0, 'the answer took its uploads');

    const listed = await json<Array<{ answer_id: string; kind: string; file_count: number }>>(await server.fetch(`/api/passdrop/v1/requests/${request.token}/answers`, { headers: bearer(alice) }));
    assert.deepEqual(listed.map((each) => [each.answer_id, each.kind, each.file_count]), [[accepted.answer_id, 'files', 2]]);

    // Before a view, no file is served: the view opens the download window.
    const early = await server.fetch(`/api/passdrop/v1/requests/${request.token}/answers/${accepted.answer_id}/files/0`, { headers: bearer(alice) });
    assert.equal(early.status, 404);

    const { revealed, opened, files } = await openWithFiles(alice, request, keys, accepted.answer_id);
    assert.deepEqual(opened, { text: 'both attached', files: 2 });
    assert.deepEqual(files, [
      { name: report.name, sha256: sha256(report.bytes) },
      { name: key.name, sha256: sha256(key.bytes) },
    ]);
    assert.equal(revealed.answer.expired, true, 'its one view is used');
    assert.ok(Date.parse(revealed.files_available_until!) > now);
    // Still downloadable within the window of that last view, by its requester only.
    assert.equal((await fetch(revealed.files[1]!.url, { headers: bearer(alice) })).status, 200);
    assert.equal((await fetch(revealed.files[1]!.url, { headers: bearer(bob) })).status, 404);
    assert.equal((await fetch(revealed.files[1]!.url)).status, 401);

    // Once the window ends, the sweep deletes the blobs.
    const blobKeys = (
      await inspector.db
        .selectFrom('request_answer_files')
        .innerJoin('request_answers', 'request_answers.id', 'request_answer_files.answer_id')
        .select('request_answer_files.blob_key')
        .where('request_answers.answer_token', '=', accepted.answer_id)
        .execute()
    ).map((row) => row.blob_key);
    assert.equal(blobKeys.length, 2);
    assert.ok(blobKeys.every((blobKey) => existsSync(blobPath(blobKey))), 'the blobs are kept during the window');
    now += 20 * MINUTE;
    await eventually(async () => blobKeys.every((blobKey) => !existsSync(blobPath(blobKey))), 'the blobs deleted after the window');
    assert.equal((await fetch(revealed.files[0]!.url, { headers: bearer(alice) })).status, 404);
  });

  it('deletes the blobs at once when the requester deletes the answer', async () => {
    const { request } = await createRequest(server, alice, { files_allowed: true });
    const sent = await json<{ answer_id: string }>(await answerWithFiles(request, '', [{ name: 'a.bin', bytes: new Uint8Array(randomBytes(5000)) }]));
    const [file] = await inspector.db
      .selectFrom('request_answer_files')
      .innerJoin('request_answers', 'request_answers.id', 'request_answer_files.answer_id')
      .select(['request_answer_files.blob_key', 'request_answer_files.blob_deleted_at'])
      .where('request_answers.answer_token', '=', sent.answer_id)
      .execute();
    assert.ok(existsSync(blobPath(file!.blob_key)));
    const deleted = await server.fetch(`/api/passdrop/v1/requests/${request.token}/answers/${sent.answer_id}`, { method: 'DELETE', headers: bearer(alice) });
    assert.equal(deleted.status, 200);
    assert.ok(!existsSync(blobPath(file!.blob_key)), 'the blob is gone');
  });

  it('deletes the blobs of an answer whose time ran out, even when nobody opened it', async () => {
    const { request } = await createRequest(server, alice, { files_allowed: true, answer_expire_after_minutes: 60 });
    const sent = await json<{ answer_id: string }>(await answerWithFiles(request, '', [{ name: 'b.bin', bytes: new Uint8Array(randomBytes(3000)) }]));
    const [file] = await inspector.db
      .selectFrom('request_answer_files')
      .innerJoin('request_answers', 'request_answers.id', 'request_answer_files.answer_id')
      .select('request_answer_files.blob_key')
      .where('request_answers.answer_token', '=', sent.answer_id)
      .execute();
    assert.ok(existsSync(blobPath(file!.blob_key)));
    now += 61 * MINUTE;
    await eventually(async () => !existsSync(blobPath(file!.blob_key)), 'the blob deleted with the expired answer');
  });

  it("refuses files the request does not take, over the limits, or someone else's upload", async () => {
    const { request: textOnly } = await createRequest(server, alice);
    const refused = await upload(textOnly.token, new Uint8Array(100));
    assert.equal(refused.status, 400, refused.body);
    assert.match(refused.body!, /takes no files/);
    assert.equal((await upload('AAAAAAAAAAAAAAAAAAAAAA', new Uint8Array(100))).status, 404);

    const { request } = await createRequest(server, alice, { files_allowed: true, answers_allowed: 5 });
    assert.equal((await upload(request.token, new Uint8Array(100), { filename: 'clear.txt' })).status, 400, 'no name in clear');
    const tooBig = await upload(request.token, new Uint8Array(2 * 1024 * 1024));
    assert.equal(tooBig.status, 413, tooBig.body);

    const tooMany = await answerWithFiles(request, '', [1, 2, 3].map((n) => ({ name: `${n}`, bytes: new Uint8Array([n]) })));
    assert.equal(tooMany.status, 422);
    assert.ok((await json<{ details: Array<{ code: string }> }>(tooMany)).details.some((detail) => detail.code === 'too_many_files'));

    // An upload made for another request (here: another account's) cannot be attached.
    const { request: other } = await createRequest(server, bob, { files_allowed: true });
    const foreign = await upload(other.token, await sealRecords(new Uint8Array([1]), { fileKey: new Uint8Array(32), purpose: 'file-content' }));
    const writer = await startAnswer(request.public_key);
    const answerId = newAnswerId();
    const stolen = await server.fetch(`/api/passdrop/v1/requests/${request.token}/answers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        answer_id: answerId,
        kind: 'files',
        ciphertext: await writer.seal(encodeFilesAnswer('', 1), { requestToken: request.token, answerId, kind: 'files' }),
        files: [{ upload_id: foreign.id, sealed_metadata: 'AAAA' }],
      }),
    });
    assert.equal(stolen.status, 422);
    assert.ok((await json<{ details: Array<{ code: string }> }>(stolen)).details.some((detail) => detail.code === 'upload_not_found'));
    // No more uploads wait for a request than its remaining answers can take (2 × files per answer × answers left).
    const { request: small } = await createRequest(server, alice, { files_allowed: true });
    for (let count = 0; count < 4; count += 1) assert.equal((await upload(small.token, new Uint8Array(58))).status, 201);
    const fifth = await upload(small.token, new Uint8Array(58));
    assert.equal(fifth.status, 413, fifth.body);

    // Nothing was used up by the refusals.
    const shown = await json<{ answers_remaining: number }>(await server.fetch(`/api/passdrop/v1/requests/${request.token}`, { headers: bearer(alice) }));
    assert.equal(shown.answers_remaining, 5);
  });

  async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      assert.ok(Date.now() < deadline, `${what} did not happen within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
});
