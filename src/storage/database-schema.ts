/**
 * Kysely's view of the tables. Times are integer milliseconds since the epoch and flags are 0/1 integers
 * on both dialects, so one store implementation serves SQLite and PostgreSQL unchanged.
 */
export interface SchemaMigrationsTable {
  id: string;
  applied_at: number;
}

export interface InstanceSettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface DatabaseSchema {
  schema_migrations: SchemaMigrationsTable;
  instance_settings: InstanceSettingsTable;
}
