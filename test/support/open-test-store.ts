import { migrate } from '../../src/storage/migrator.js';
import { openDatabase, type Database } from '../../src/storage/open-database.js';
import type { TestDatabase } from './test-databases.js';

/** Opens a test database through the real migrations, as the server does. */
export async function openMigratedDatabase(test: TestDatabase, poolSize = 4): Promise<Database> {
  const database = openDatabase(
    test.kind === 'sqlite' ? { kind: 'sqlite', path: test.location } : { kind: 'postgres', url: test.url, poolSize },
  );
  await migrate(database);
  return database;
}
