/**
 * Whether an error means the database cannot be reached or cannot write right now (an outage the
 * client may retry), as opposed to a bug in a query. Used to answer 503 DATABASE_UNAVAILABLE with
 * Retry-After instead of 500.
 *
 * - PostgreSQL (node-postgres): SQLSTATE class 08 (connection exception), 57P01–57P03 (administrator or
 *   crash shutdown, cannot connect now), 53300 (too many connections), 53100 (disk full); socket errors
 *   (ECONNREFUSED, ECONNRESET, …); the pool's "Connection terminated" and connection-timeout errors and
 *   "Client has encountered a connection error and is not queryable" (pg 8 messages).
 * - SQLite (better-sqlite3): SQLITE_IOERR*, SQLITE_READONLY*, SQLITE_CANTOPEN, SQLITE_FULL, SQLITE_BUSY
 *   (still locked after busy_timeout) and SQLITE_PROTOCOL (https://www.sqlite.org/rescode.html).
 */
export function isDatabaseOutage(error: unknown): boolean {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth += 1) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && OUTAGE_CODE.test(code)) return true;
    if (typeof message === 'string' && OUTAGE_MESSAGE.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

const OUTAGE_CODE =
  /^(?:08[0-9A-Z]{3}|57P0[123]|53300|53100|ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|SQLITE_IOERR\w*|SQLITE_READONLY\w*|SQLITE_CANTOPEN\w*|SQLITE_FULL|SQLITE_BUSY\w*|SQLITE_PROTOCOL)$/;

const OUTAGE_MESSAGE =
  /^(?:Connection terminated(?: unexpectedly| due to connection timeout)?|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|The database connection is not open|Cannot use a pool after calling end on the pool)$/;

/** Seconds a client should wait before retrying after DATABASE_UNAVAILABLE (the Retry-After value). */
export const DATABASE_RETRY_AFTER_SECONDS = 5;
