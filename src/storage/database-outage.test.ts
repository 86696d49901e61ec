import assert from 'node:assert/strict';
import { it } from 'node:test';
import { isDatabaseOutage } from './database-outage.js';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

it('takes connection and I/O failures of both databases for an outage', () => {
  for (const error of [
    withCode('ECONNREFUSED'),
    withCode('57P01', 'terminating connection due to administrator command'),
    withCode('08006'),
    withCode('53300'),
    new Error('Connection terminated unexpectedly'),
    new Error('timeout exceeded when trying to connect'),
    withCode('SQLITE_IOERR_WRITE'),
    withCode('SQLITE_READONLY'),
    withCode('SQLITE_FULL'),
    withCode('SQLITE_BUSY'),
    Object.assign(new Error('wrapped'), { cause: withCode('ECONNRESET') }),
  ]) {
    assert.equal(isDatabaseOutage(error), true, String((error as { code?: string }).code ?? error.message));
  }
});

it('does not take a bug in a query, or a constraint, for an outage', () => {
  for (const error of [
    withCode('42P01', 'relation "nope" does not exist'),
    withCode('23505', 'duplicate key value violates unique constraint'),
    withCode('SQLITE_CONSTRAINT_UNIQUE'),
    withCode('SQLITE_ERROR', 'no such table: nope'),
    new TypeError('Cannot read properties of undefined'),
    'a string',
    undefined,
  ]) {
    assert.equal(isDatabaseOutage(error), false, String(error));
  }
});
