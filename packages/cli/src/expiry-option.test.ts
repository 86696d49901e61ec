import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CliError } from './exit-codes.js';
import { expiryInWholeDays, parseExpiry } from './expiry-option.js';

const NOW = Date.parse('2030-01-01T00:00:00Z');

describe('--expires', () => {
  it('reads minutes, hours, days and ISO 8601 times with a zone', () => {
    assert.deepEqual(parseExpiry('30m', NOW), { minutes: 30 });
    assert.deepEqual(parseExpiry('12h', NOW), { minutes: 720 });
    assert.deepEqual(parseExpiry('7d', NOW), { days: 7 });
    assert.deepEqual(parseExpiry('2030-01-31T18:00:00Z', NOW), { at: new Date('2030-01-31T18:00:00Z') });
    assert.deepEqual(parseExpiry('2030-01-31T18:00+01:00', NOW), { at: new Date('2030-01-31T17:00:00Z') });
  });

  it('refuses zero, unknown units, times without a zone and times in the past, as usage errors', () => {
    for (const text of ['0h', '5w', '1.5h', 'tomorrow', '2030-01-31T18:00:00', '2030-01-31', '2029-12-31T23:59:00Z']) {
      assert.throws(() => parseExpiry(text, NOW), (error: unknown) => error instanceof CliError && error.exitCode === 2, text);
    }
  });

  it('gives Password Pusher whole days only', () => {
    assert.equal(expiryInWholeDays({ days: 3 }), 3);
    assert.equal(expiryInWholeDays({ minutes: 2880 }), 2);
    assert.throws(() => expiryInWholeDays({ minutes: 720 }), /whole days/);
    assert.throws(() => expiryInWholeDays({ at: new Date(NOW + 86_400_000) }), /whole days/);
  });
});
