import assert from 'node:assert/strict';
import { sealE2eFileMetadata } from '../../src/crypto/e2e/e2e-files.js';
import {
  encodeFilesAnswer,
  generateRequesterKeyPair,
  newAnswerId,
  openAnswerText,
  sealAnswer,
  startAnswer,
  type RequesterKeyPair,
} from '../../src/crypto/requests/request-answer-format.js';
import { sealRecords } from '../../src/crypto/stream/record-stream.js';
import type { TestServer } from './test-server.js';
import { signUp, WebClient } from './web-client.js';

export interface CreatedRequest {
  readonly token: string;
  readonly url: string;
  readonly public_key: string;
  readonly key_fingerprint: string;
  readonly answers_remaining: number;
  readonly closed: boolean;
  readonly [key: string]: unknown;
}

/** Signs up through the web form and makes an API token through our API with that session; answers the token. */
export async function accountToken(server: Pick<TestServer, 'url' | 'fetch'>, email: string): Promise<string> {
  const browser = new WebClient(server);
  assert.equal((await signUp(browser, email)).status, 303);
  await browser.get('/account/tokens');
  const response = await browser.request('/api/passdrop/v1/tokens', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': browser.csrfToken! },
    body: JSON.stringify({ name: 'tests' }),
  });
  const json = (await response.json()) as { token: string };
  assert.equal(response.status, 201, JSON.stringify(json));
  return json.token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Makes a key pair here (as a browser would) and a request with its public key; answers both. */
export async function createRequest(
  server: Pick<TestServer, 'fetch'>,
  token: string,
  body: Record<string, unknown> = {},
): Promise<{ request: CreatedRequest; keys: RequesterKeyPair }> {
  const keys = await generateRequesterKeyPair();
  const response = await server.fetch('/api/passdrop/v1/requests', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(token) },
    body: JSON.stringify({ public_key: keys.publicKey, ...body }),
  });
  const request = (await response.json()) as CreatedRequest;
  assert.equal(response.status, 201, JSON.stringify(request));
  return { request, keys };
}

/** Seals `plaintext` to the request's key (as a responder's browser does) and posts it; answers the response. */
export async function answer(
  server: Pick<TestServer, 'fetch'>,
  request: Pick<CreatedRequest, 'token' | 'public_key'>,
  plaintext: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<Response> {
  const answerId = newAnswerId();
  const ciphertext = await sealAnswer(plaintext, { requestToken: request.token, answerId, kind: 'text', publicKey: request.public_key });
  return server.fetch(`/api/passdrop/v1/requests/${request.token}/answers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ answer_id: answerId, kind: 'text', ciphertext, ...extra }),
  });
}

/** Reveals an answer through the API (uses a view) and opens it with the requester's key. */
export async function readAnswer(
  server: Pick<TestServer, 'fetch'>,
  token: string,
  request: Pick<CreatedRequest, 'token' | 'public_key'>,
  keys: Pick<RequesterKeyPair, 'privateKey'>,
  answerId: string,
): Promise<{ status: number; text?: string; body: Record<string, unknown> }> {
  const response = await server.fetch(`/api/passdrop/v1/requests/${request.token}/answers/${answerId}/reveal`, { method: 'POST', headers: bearer(token) });
  const body = (await response.json()) as { ciphertext?: string; answer?: { kind: 'text' } };
  if (response.status !== 200) return { status: response.status, body };
  const text = await openAnswerText(body.ciphertext!, { requestToken: request.token, answerId, kind: 'text', privateKey: keys.privateKey, publicKey: request.public_key });
  return { status: 200, text, body };
}

const tusMetadata = (values: Record<string, string>) =>
  Object.entries(values)
    .map(([key, value]) => `${key} ${Buffer.from(value).toString('base64')}`)
    .join(',');

/** A tus upload for an answer to `requestToken`, as a responder's browser makes it (no account); answers the creation's status and the upload id. */
export async function uploadForAnswer(
  server: Pick<TestServer, 'fetch'>,
  requestToken: string,
  bytes: Uint8Array,
  metadata: Record<string, string> = {},
): Promise<{ status: number; id?: string; body?: string }> {
  const created = await server.fetch('/api/passdrop/v1/uploads', {
    method: 'POST',
    headers: { 'tus-resumable': '1.0.0', 'upload-length': String(bytes.length), 'upload-metadata': tusMetadata({ mode: 'e2e', request: requestToken, ...metadata }) },
  });
  if (created.status !== 201) return { status: created.status, body: await created.text() };
  const id = created.headers.get('location')!.split('/').pop()!;
  if (bytes.length > 0) {
    const patched = await server.fetch(`/api/passdrop/v1/uploads/${id}`, {
      method: 'PATCH',
      headers: { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      body: bytes as BodyInit,
    });
    assert.equal(patched.status, 204, await patched.text());
  }
  return { status: 201, id };
}

/** Seals files and a message to the request's key (docs/requests-encryption.md), uploads the files and posts the answer; answers the response. */
export async function answerWithFilesThroughApi(
  server: Pick<TestServer, 'fetch'>,
  request: Pick<CreatedRequest, 'token' | 'public_key'>,
  text: string,
  files: Array<{ name: string; bytes: Uint8Array }>,
): Promise<Response> {
  const writer = await startAnswer(request.public_key);
  const attached: Array<{ upload_id: string; sealed_metadata: string }> = [];
  for (const [index, file] of files.entries()) {
    const fileKey = await writer.fileKey(index);
    const uploaded = await uploadForAnswer(server, request.token, await sealRecords(file.bytes, { fileKey, purpose: 'file-content' }));
    assert.equal(uploaded.status, 201, uploaded.body);
    const metadata = await sealE2eFileMetadata({ name: file.name, type: 'application/octet-stream', size: file.bytes.length }, fileKey);
    attached.push({ upload_id: uploaded.id!, sealed_metadata: Buffer.from(metadata).toString('base64url') });
  }
  const answerId = newAnswerId();
  const ciphertext = await writer.seal(encodeFilesAnswer(text, files.length), { requestToken: request.token, answerId, kind: 'files' });
  return server.fetch(`/api/passdrop/v1/requests/${request.token}/answers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ answer_id: answerId, kind: 'files', ciphertext, files: attached }),
  });
}
