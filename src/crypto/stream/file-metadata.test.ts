import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkFileMetadata, METADATA_PADDING_BYTES, openFileMetadata, sealFileMetadata } from './file-metadata.js';
import { encryptedLength } from './record-stream-format.js';
import { RecordStreamError, sealRecords } from './record-stream.js';

const fileKey = new Uint8Array(randomBytes(32));
const rejectsWith = (promise: Promise<unknown>, reason: string) =>
  assert.rejects(promise, (error: unknown) => error instanceof RecordStreamError && error.reason === reason);

describe('sealed file metadata', () => {
  it('round-trips a name, a media type and a size, and hides the name', async () => {
    const metadata = { name: 'Relevé — 季度.xlsx', type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', size: 3_000_000_000 };
    const sealed = await sealFileMetadata(metadata, fileKey);
    assert.deepEqual(await openFileMetadata(sealed, fileKey), metadata);
    assert.equal(Buffer.from(sealed).indexOf('Relev'), -1);
  });

  it('pads the JSON to a multiple of 256 bytes, so names of similar length seal to the same size', async () => {
    const short = await sealFileMetadata({ name: 'a.txt', type: 'text/plain', size: 1 }, fileKey);
    const longer = await sealFileMetadata({ name: 'a-somewhat-longer-name.txt', type: 'text/plain', size: 1 }, fileKey);
    assert.equal(short.length, encryptedLength(METADATA_PADDING_BYTES));
    assert.equal(longer.length, short.length);
    const long = await sealFileMetadata({ name: 'x'.repeat(300), type: '', size: 0 }, fileKey);
    assert.equal(long.length, encryptedLength(2 * METADATA_PADDING_BYTES));
  });

  it('refuses metadata out of bounds before sealing', () => {
    for (const bad of [
      { name: '', type: '', size: 0 },
      { name: 'x'.repeat(1025), type: '', size: 0 },
      { name: 'a', type: 't'.repeat(256), size: 0 },
      { name: 'a', type: '', size: -1 },
      { name: 'a', type: '', size: 1.5 },
    ]) {
      assert.throws(() => checkFileMetadata(bad), RangeError);
    }
  });

  it("fails on another file's key, on content sealed as metadata, and on authentic bytes that are not metadata", async () => {
    const sealed = await sealFileMetadata({ name: 'a.txt', type: '', size: 1 }, fileKey);
    await rejectsWith(openFileMetadata(sealed, new Uint8Array(randomBytes(32))), 'decrypt-failed');
    const content = await sealRecords(new TextEncoder().encode('{"name":"a","type":"","size":1}'), { fileKey, purpose: 'file-content' });
    await rejectsWith(openFileMetadata(content, fileKey), 'decrypt-failed');
    const notJson = await sealRecords(new TextEncoder().encode('name=a'), { fileKey, purpose: 'file-metadata' });
    await rejectsWith(openFileMetadata(notJson, fileKey), 'malformed');
    const wrongShape = await sealRecords(new TextEncoder().encode('{"name":"a","size":"big"}'), { fileKey, purpose: 'file-metadata' });
    await rejectsWith(openFileMetadata(wrongShape, fileKey), 'malformed');
  });
});
