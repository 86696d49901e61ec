import { after, before, describe } from 'node:test';
import { DATABASE_KINDS, createTestDatabase, type DatabaseKind, type TestDatabase } from './test-databases.js';

export interface DatabaseFixture {
  readonly kind: DatabaseKind;
  /** The fresh database made for this describe block (valid inside tests and hooks). */
  readonly database: TestDatabase;
}

/**
 * Declares the same suite once per database: each gets a fresh SQLite file or a fresh PostgreSQL
 * database, created before its tests and dropped after them.
 */
export function describeEachDatabase(title: string, suite: (fixture: DatabaseFixture) => void): void {
  for (const kind of DATABASE_KINDS) {
    describe(`${title} [${kind}]`, () => {
      let database: TestDatabase | undefined;
      before(async () => {
        database = await createTestDatabase(kind);
      });
      suite({
        kind,
        get database() {
          if (!database) throw new Error('the test database exists only inside tests and hooks');
          return database;
        },
      });
      // Registered after the suite's own hooks, so it runs after them (node:test runs `after` hooks in
      // the order they were declared): servers stop before their database goes away.
      after(async () => {
        await database?.drop();
      });
    });
  }
}
