import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import { envelopeKeyId } from '../../src/crypto/envelope.js';
import { masterKeyFromHex } from '../../src/crypto/master-key-ring.js';
import { inspectDatabase } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { json } from '../support/push-helpers.js';
import { accountToken, answer, bearer, createRequest, readAnswer } from '../support/request-helpers.js';
import { spawnPassdrop } from '../support/spawn-passdrop.js';
import { startTestServer, testServerEnvironment } from '../support/test-server.js';

describeEachDatabase('rotating the master key with requests', (fixture) => {
  it('re-wraps sealed instructions and stored answers; both still open under the new key alone', async () => {
    const oldKey = randomBytes(32).toString('hex');
    const newKey = randomBytes(32).toString('hex');
    const before = await startTestServer(fixture.database, { env: { PASSDROP_MASTER_KEY: oldKey } });
    const token = await accountToken(before, 'rotate-requests@example.com');
    const { request, keys } = await createRequest(before, token, { instructions: 'sealed instructions' });
    const sent = await json<{ answer_id: string }>(await answer(before, request, 'answer under the old key'));
    await before.stop();

    const rotation = spawnPassdrop(['rotate-keys'], { ...testServerEnvironment(fixture.database), PASSDROP_MASTER_KEY: newKey, PASSDROP_MASTER_KEY_PREVIOUS: oldKey });
    assert.equal(await rotation.exited(), 0, rotation.stderr());
    assert.match(rotation.stdout(), /^Re-wrapped 2 stored secrets/);
    const inspector = inspectDatabase(fixture.database);
    try {
      const newId = masterKeyFromHex(newKey).id;
      const stored = await inspector.db.selectFrom('requests').select('instructions_envelope').executeTakeFirstOrThrow();
      assert.equal(envelopeKeyId(stored.instructions_envelope!), newId);
      const payload = await inspector.db.selectFrom('request_answer_payloads').select('payload_envelope').executeTakeFirstOrThrow();
      assert.equal(envelopeKeyId(payload.payload_envelope), newId);
    } finally {
      await inspector.close();
    }

    const after = await startTestServer(fixture.database, { env: { PASSDROP_MASTER_KEY: newKey } });
    try {
      const shown = await json<{ instructions: string }>(await after.fetch(`/api/passdrop/v1/requests/${request.token}`, { headers: bearer(token) }));
      assert.equal(shown.instructions, 'sealed instructions');
      assert.equal((await readAnswer(after, token, request, keys, sent.answer_id)).text, 'answer under the old key');
    } finally {
      await after.stop();
    }
  });
});
