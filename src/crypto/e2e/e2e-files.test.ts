import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessProofFor, newLinkSecret } from './e2e-format.js';
import { decryptE2eFile, deriveE2eFileRoot, e2eFileKey, encryptE2eFile, openE2eFileMetadata, sealE2eFileMetadata } from './e2e-files.js';
import { RecordStreamError } from '../stream/record-stream.js';

const FAST = 100_000;
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function roundTrip(plaintext: Uint8Array, encryptKey: Uint8Array, decryptKey: Uint8Array): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await new Blob([plaintext as BlobPart]).stream().pipeThrough(encryptE2eFile(encryptKey)).pipeThrough(decryptE2eFile(decryptKey)).pipeTo(new WritableStream({ write: (part) => void parts.push(part) }));
  return new Uint8Array(Buffer.concat(parts));
}

describe('end-to-end file keys', () => {
  it('gives each file of a push its own key, and the same keys to the recipient', async () => {
    const linkSecret = newLinkSecret();
    const { fileRoot, accessProof } = await deriveE2eFileRoot({ linkSecret });
    assert.equal(accessProof, null);
    const keys = await Promise.all([0, 1, 2].map((index) => e2eFileKey(fileRoot, index)));
    assert.equal(new Set(keys.map(hex)).size, 3);
    const again = await deriveE2eFileRoot({ linkSecret });
    assert.equal(hex(await e2eFileKey(again.fileRoot, 1)), hex(keys[1]!));
    assert.notEqual(hex((await deriveE2eFileRoot({ linkSecret: newLinkSecret() })).fileRoot), hex(fileRoot));
  });

  it('needs the passphrase too when there is one, and shares the access proof with the text', async () => {
    const linkSecret = newLinkSecret();
    const withPassphrase = await deriveE2eFileRoot({ linkSecret, passphrase: 'by phone', iterations: FAST });
    const without = await deriveE2eFileRoot({ linkSecret });
    const wrong = await deriveE2eFileRoot({ linkSecret, passphrase: 'by fax', iterations: FAST });
    assert.equal(withPassphrase.accessProof, await accessProofFor({ linkSecret, passphrase: 'by phone', iterations: FAST }));
    assert.notEqual(hex(withPassphrase.fileRoot), hex(without.fileRoot));
    assert.notEqual(hex(withPassphrase.fileRoot), hex(wrong.fileRoot));

    const fileKey = await e2eFileKey(withPassphrase.fileRoot, 0);
    const sealed = await sealE2eFileMetadata({ name: 'plan.pdf', type: 'application/pdf', size: 12 }, fileKey);
    assert.deepEqual(await openE2eFileMetadata(sealed, fileKey), { name: 'plan.pdf', type: 'application/pdf', size: 12 });
    await assert.rejects(openE2eFileMetadata(sealed, await e2eFileKey(wrong.fileRoot, 0)), RecordStreamError);
    await assert.rejects(openE2eFileMetadata(sealed, await e2eFileKey(withPassphrase.fileRoot, 1)), RecordStreamError, "another file's key");
  });

  it('encrypts and decrypts a file as a stream, and refuses the wrong file key', async () => {
    const { fileRoot } = await deriveE2eFileRoot({ linkSecret: newLinkSecret() });
    const plaintext = new TextEncoder().encode('file contents '.repeat(10_000));
    const first = await e2eFileKey(fileRoot, 0);
    assert.equal(hex(await roundTrip(plaintext, first, first)), hex(plaintext));
    await assert.rejects(roundTrip(plaintext, first, await e2eFileKey(fileRoot, 1)), RecordStreamError);
  });

  it('refuses positions outside 0–65535 and roots that are not 32 bytes', async () => {
    const { fileRoot } = await deriveE2eFileRoot({ linkSecret: newLinkSecret() });
    await assert.rejects(e2eFileKey(fileRoot, -1), RangeError);
    await assert.rejects(e2eFileKey(fileRoot, 65_536), RangeError);
    await assert.rejects(e2eFileKey(new Uint8Array(16), 0), RangeError);
  });
});
