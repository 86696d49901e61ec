import assert from 'node:assert/strict';
import { it } from 'node:test';
import { secureRandomBytes } from './secure-random.js';

it('secureRandomBytes gives fresh, distinct bytes of the asked length, across pool refills', () => {
  const seen = new Set<string>();
  for (let index = 0; index < 2000; index += 1) {
    const bytes = secureRandomBytes(32);
    assert.equal(bytes.length, 32);
    seen.add(bytes.toString('hex'));
  }
  assert.equal(seen.size, 2000);
  assert.equal(secureRandomBytes(4096).length, 4096);
});

it('secureRandomBytes hands out copies, not views of its pool', () => {
  const first = secureRandomBytes(16);
  const copy = Buffer.from(first);
  secureRandomBytes(16);
  assert.deepEqual(first, copy);
  assert.notEqual(first.buffer.byteLength, 4096);
});
