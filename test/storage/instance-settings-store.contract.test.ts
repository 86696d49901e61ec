import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createInstanceSettingsStore } from '../../src/storage/instance-settings-store.js';
import { migrate } from '../../src/storage/migrator.js';
import { openDatabase, type Database } from '../../src/storage/open-database.js';
import { describeEachDatabase } from '../support/each-database.js';

describeEachDatabase('instance settings store', (fixture) => {
  let database: Database;
  before(async () => {
    const test = fixture.database;
    database = openDatabase(
      test.kind === 'sqlite' ? { kind: 'sqlite', path: test.location } : { kind: 'postgres', url: test.url, poolSize: 2 },
    );
    await migrate(database);
  });
  after(() => database.close());

  it('stores, overwrites, reads and deletes values', async () => {
    const store = createInstanceSettingsStore(database);
    assert.equal(await store.get('greeting'), undefined);
    await store.set('greeting', 'hello');
    assert.equal(await store.get('greeting'), 'hello');
    await store.set('greeting', 'hi');
    assert.equal(await store.get('greeting'), 'hi');
    await store.delete('greeting');
    assert.equal(await store.get('greeting'), undefined);
  });

  it('setIfAbsent stores only the first value, even when callers race', async () => {
    const store = createInstanceSettingsStore(database);
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, index) => store.setIfAbsent('first-run', `code-${index}`)));
    assert.equal(outcomes.filter(Boolean).length, 1);
    const winner = outcomes.indexOf(true);
    assert.equal(await store.get('first-run'), `code-${winner}`);
  });
});
