import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { RouteTableEntry } from '../../src/surfaces/surface-kit/route-access.js';
import { accountWithToken } from '../support/account-tokens.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly items?: JsonSchema;
  readonly format?: string;
}

/** Where a string sits in a body schema: the property path from the body's root (`[]` for an array's item). */
type FieldPath = readonly string[];

/**
 * Every string-typed place in `schema` (properties of objects, items of arrays, recursively). Password
 * Pusher's schemas document form field names (`file_push[payload]`), which its JSON bodies nest; an uploaded
 * file (`format: binary`) is not a text field.
 */
function stringFields(schema: JsonSchema, path: FieldPath = []): FieldPath[] {
  if (schema.format === 'binary') return [];
  const types = schema.type === undefined ? [] : typeof schema.type === 'string' ? [schema.type] : schema.type;
  const found: FieldPath[] = types.includes('string') && path.length > 0 ? [path] : [];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const nested = name.match(/^(\w+)\[(\w+)\]$/);
    found.push(...stringFields(property, [...path, ...(nested ? [nested[1]!, nested[2]!] : [name])]));
  }
  if (schema.items) found.push(...stringFields(schema.items, [...path, '[]']));
  return found;
}

/** A body holding `value` at `path` (an array item is the array's only item). */
function bodyWith(path: FieldPath, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (head === '[]') return [bodyWith(rest, value)];
  return { [head]: bodyWith(rest, value) };
}

/**
 * Fields a schema documents as strings that are not text: Password Pusher's flags take JSON true as well as
 * `on|true|1` from forms (src/surfaces/surface-kit/form-values.ts), and /r.json ignores `kind` (its path
 * fixes it).
 */
const NOT_TEXT = new Set(['deletable_by_viewer', 'retrieval_step']);
const IGNORED = new Set(['POST /r.json url.kind']);

const WRONG_VALUES: ReadonlyArray<readonly [string, unknown]> = [
  ['an object', { a: 1 }],
  ['an array', ['a', 'b']],
  ['a number', 123],
  ['a boolean', true],
];

/** Issue 11 §3: a JSON body's string field refuses every other JSON type, never storing its String() form. */
describeEachDatabase('wrong types in JSON bodies are 422, not text', (fixture) => {
  let server: TestServer;
  let adminToken: string;
  before(async () => {
    server = await startTestServer(fixture.database);
    adminToken = await accountWithToken(fixture.database, 'wrong-types@example.com', { admin: true });
  });
  after(() => server.stop());

  const jsonRoutes = (): RouteTableEntry[] =>
    server.app.routeTable.filter((route) => route.bodySchema !== undefined && route.surface !== 'web' && route.served);

  it('finds string fields on the Passdrop API routes that take a JSON body', () => {
    const routes = jsonRoutes();
    const urls = routes.map((route) => `${route.method} ${route.url}`);
    for (const expected of ['POST /api/passdrop/v1/pushes', 'POST /api/passdrop/v1/tokens', 'POST /api/passdrop/v1/webhooks', 'POST /api/passdrop/v1/requests']) {
      assert.ok(urls.includes(expected), `${expected} in ${urls.join(', ')}`);
    }
    const fields = routes.flatMap((route) => stringFields(route.bodySchema as JsonSchema).map((path) => `${route.url} ${path.join('.')}`));
    assert.ok(fields.includes('/api/passdrop/v1/pushes payload'), fields.join('\n'));
    assert.ok(fields.includes('/api/passdrop/v1/pushes name'), fields.join('\n'));
  });

  it('answers 422 naming the field for an object, an array, a number and a boolean in every string field', async () => {
    const created = await server.fetch('/api/passdrop/v1/pushes', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ payload: 'wrong types target', expire_after_views: 50 }),
    });
    assert.equal(created.status, 201);
    const push = (await created.json()) as { token: string };
    const failures: string[] = [];
    let sent = 0;
    const seen = new Set<string>();
    for (const route of jsonRoutes()) {
      // Routes told apart by the Accept header share a path: a JSON request reaches the JSON one.
      if (route.format === 'html' || seen.has(`${route.method} ${route.url}`)) continue;
      seen.add(`${route.method} ${route.url}`);
      // The body is validated before the handler runs: any well-formed path parameter reaches it.
      const path = route.url.replace(':token', push.token).replace(/:\w+/g, '1');
      for (const field of stringFields(route.bodySchema as JsonSchema)) {
        if (route.surface === 'password-pusher-api' && NOT_TEXT.has(field.at(-1)!)) continue;
        if (IGNORED.has(`${route.method} ${route.url} ${field.join('.')}`)) continue;
        for (const [label, value] of WRONG_VALUES) {
          const response = await server.fetch(path, {
            method: route.method,
            headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${adminToken}` },
            body: JSON.stringify(bodyWith(field, value)),
          });
          sent += 1;
          const text = await response.text();
          const answer = (response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : { html: text.slice(0, 80) }) as { code?: string; details?: Array<{ field: string }> };
          const named = field.filter((part) => part !== '[]');
          const where = `${route.method} ${route.url} ${field.join('.')} = ${label}`;
          if (response.status !== 422) failures.push(`${where}: ${response.status} ${JSON.stringify(answer)}`);
          else if (route.surface === 'passdrop-api' && (answer.code !== 'VALIDATION_FAILED' || !answer.details?.some((detail) => named.every((part) => detail.field.includes(part))))) {
            failures.push(`${where}: ${JSON.stringify(answer)}`);
          } else if (route.surface === 'password-pusher-api' && !(named.at(-1)! in answer)) {
            // Password Pusher's 422: each field with its messages.
            failures.push(`${where}: ${JSON.stringify(answer)}`);
          }
        }
      }
    }
    assert.ok(sent > 40, `sent ${sent}`);
    assert.deepEqual(failures, []);
    assert.deepEqual(server.logs.filter((line) => line.includes('"level":50')), []);
  });

  it('still takes a well-typed body and stores the text as sent', async () => {
    const response = await server.fetch('/api/passdrop/v1/pushes', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload: '123', name: 'true' }),
    });
    assert.equal(response.status, 201);
    const created = (await response.json()) as { name?: string };
    assert.equal(created.name, 'true');
  });
});
