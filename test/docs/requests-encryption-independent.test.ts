import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';

describe('the requests encryption document', () => {
  it('is enough to reimplement the format: an independent Python implementation agrees with every test vector', () => {
    // Debian's python3 with python3-cryptography, which scripts/install-test-deps.sh installs.
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const result = spawnSync(python, ['test/support/check-request-vectors.py', 'docs/requests-test-vectors.json'], { encoding: 'utf8' });
    assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
    assert.match(result.stdout, /all vectors agree: [3-9] answers, \d+ refusals/);
  });
});
