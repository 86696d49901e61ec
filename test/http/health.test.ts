import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { withAdminClient } from '../support/test-databases.js';
import { startTestServer } from '../support/test-server.js';

describeEachDatabase('GET /up', (fixture) => {
  it('answers 200 while the database answers and 503 once it does not', async () => {
    const server = await startTestServer(fixture.database);
    try {
      const healthy = await server.fetch('/up');
      assert.equal(healthy.status, 200);
      assert.deepEqual(await healthy.json(), { status: 'ok' });

      if (fixture.kind === 'postgres') {
        // A real outage: the database disappears under the running server.
        await withAdminClient((client) => client.query(`DROP DATABASE ${fixture.database.location} WITH (FORCE)`));
      } else {
        await server.database.close();
      }
      const down = await server.fetch('/up');
      assert.equal(down.status, 503);
      assert.deepEqual(await down.json(), { status: 'unavailable', error: 'The database is not answering.' });
    } finally {
      await server.app.close();
      await server.database.close().catch(() => undefined);
    }
  });
});
