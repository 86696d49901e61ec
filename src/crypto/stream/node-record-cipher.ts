import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { RecordCipherProvider } from './record-stream.js';

const TAG_LENGTH = 16;

/**
 * The record cipher for Node through node:crypto: the same AES-256-GCM records as WebCrypto's (a test
 * proves the bytes identical), about twice as fast through the streams in Node 20 (`npm run bench:files`),
 * because it runs synchronously instead of queueing each record on the thread pool.
 *
 * @example createEncryptStream({ fileKey, purpose: 'file-content', cipher: nodeRecordCipher })
 */
export const nodeRecordCipher: RecordCipherProvider = async (streamKey, associatedData) => {
  const key = Buffer.from(streamKey);
  const aad = Buffer.from(associatedData);
  return {
    seal(nonce, plaintext) {
      const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
      cipher.setAAD(aad);
      const body = cipher.update(plaintext);
      const final = cipher.final();
      const sealed = new Uint8Array(body.length + final.length + TAG_LENGTH);
      sealed.set(body, 0);
      sealed.set(final, body.length);
      sealed.set(cipher.getAuthTag(), body.length + final.length);
      return sealed;
    },
    open(nonce, sealed) {
      if (sealed.length < TAG_LENGTH) return null;
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
      decipher.setAAD(aad);
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_LENGTH));
      const plaintext = decipher.update(sealed.subarray(0, sealed.length - TAG_LENGTH));
      try {
        decipher.final();
      } catch {
        plaintext.fill(0);
        return null;
      }
      return plaintext;
    },
  };
};
