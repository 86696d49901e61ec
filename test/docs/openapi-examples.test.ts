import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { startMailSink, type MailSink } from '../support/mail-sink.js';
import { newWebhookSecret } from '../../src/notifications/webhook-signature.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { describeEachDatabase } from '../support/each-database.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface Operation {
  readonly security?: Array<Record<string, string[]>>;
  readonly requestBody?: { content: Record<string, { example?: unknown; schema?: { properties?: Record<string, { items?: { format?: string } }> } }> };
}
const document = JSON.parse(readFileSync('docs/openapi.json', 'utf8')) as {
  components: { securitySchemes?: Record<string, { type: string; scheme?: string; in?: string; name?: string; description?: string }> };
  paths: Record<string, Record<string, Operation>>;
};
const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ path, method: method.toUpperCase(), operation })));
const withBody = operations.filter(({ operation }) => operation.requestBody !== undefined);

it('the OpenAPI document declares how to sign in, on every operation', () => {
  const schemes = document.components.securitySchemes ?? {};
  assert.deepEqual(schemes.apiToken, { type: 'http', scheme: 'bearer', description: schemes.apiToken?.description });
  assert.equal(schemes.sessionCookie?.in, 'cookie');
  for (const { path, method, operation } of operations) {
    assert.ok(operation.security && operation.security.length > 0, `${method} ${path} says how to sign in`);
    for (const requirement of operation.security) for (const name of Object.keys(requirement)) assert.ok(name in schemes, `${method} ${path}: ${name} is declared`);
  }
  const createToken = document.paths['/api/passdrop/v1/tokens']!.post!;
  assert.ok(!createToken.security!.some((requirement) => Object.keys(requirement).length === 0), 'an account route does not offer "no sign-in"');
  const createPush = document.paths['/api/passdrop/v1/pushes']!.post!;
  assert.ok(createPush.security!.some((requirement) => Object.keys(requirement).length === 0), 'creating a push does not need an account');
});

it('gives every path parameter an example of its type, so "Try it out" starts filled in', () => {
  const missing: string[] = [];
  let count = 0;
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const parameters = (operation as { parameters?: Array<{ in: string; name: string; example?: unknown; schema?: { type?: string } }> }).parameters ?? [];
      for (const parameter of parameters.filter((candidate) => candidate.in === 'path')) {
        count += 1;
        const type = parameter.schema?.type === 'integer' ? 'number' : 'string';
        if (typeof parameter.example !== type) missing.push(`${method.toUpperCase()} ${path} {${parameter.name}}`);
      }
    }
  }
  assert.ok(count > 40, `${count} path parameters`);
  assert.deepEqual(missing, []);
});

describeEachDatabase('every example body in docs/openapi.json works against a live server', (fixture) => {
  let server: TestServer;
  let token: string;
  let adminToken: string;
  let sink: MailSink;
  let receiver: WebhookReceiver;
  before(async () => {
    sink = await startMailSink();
    receiver = await startWebhookReceiver(newWebhookSecret());
    // Mail and webhooks on, as an instance that offers those operations is configured.
    server = await startTestServer(fixture.database, {
      env: { PASSDROP_BASE_URL: 'https://passdrop.example.com', PASSDROP_SMTP_URL: sink.smtpUrl, PASSDROP_WEBHOOKS_ALLOW_PRIVATE_ADDRESSES: 'true' },
    });
    token = await accountWithToken(fixture.database, 'examples@example.com');
    adminToken = await accountWithToken(fixture.database, 'examples-admin@example.com', { admin: true });
  });
  after(async () => {
    await server.stop();
    await sink.close();
    await receiver.close();
  });

  /**
   * The request "Try it out" makes from an operation's example: a JSON body, or a multipart form with
   * the example's fields and a small file in each file field (where the page offers a file picker).
   */
  const requestOf = (operation: Operation): { body: string | FormData; headers: Record<string, string> } => {
    const [type, media] = Object.entries(operation.requestBody!.content)[0]!;
    assert.ok(media.example !== undefined, `the ${type} body has an example`);
    // A webhook's example URL stands for the reader's receiver (this network resolves no outside name).
    const example = (media.example as Record<string, unknown>).url === 'https://hooks.example.com/passdrop' ? { ...(media.example as object), url: receiver.url } : media.example;
    if (type === 'application/json') return { body: JSON.stringify(example), headers: { 'content-type': type } };
    assert.equal(type, 'multipart/form-data');
    const form = new FormData();
    for (const [name, value] of Object.entries(media.example as Record<string, unknown>)) form.set(name, String(value));
    for (const [name, property] of Object.entries(media.schema?.properties ?? {})) {
      if (property.items?.format === 'binary') form.append(name, new Blob(['invoice 42\n'], { type: 'text/plain' }), 'invoice.txt');
    }
    return { body: form, headers: {} };
  };
  const send = (method: string, path: string, operation: Operation) => {
    const { body, headers } = requestOf(operation);
    const bearer = path.includes('/admin/') ? adminToken : token;
    // Swagger UI's "Try it out" asks for JSON (the responses' media type), which picks the JSON twin of a web path.
    return server.fetch(path, { method, headers: { accept: 'application/json', ...headers, authorization: `Bearer ${bearer}` }, body });
  };

  /** A fresh server-encrypted push of the example account (the operations on a push's token: emailing its link). */
  const ownedPush = async (): Promise<string> => {
    const response = await server.fetch('/api/passdrop/v1/pushes', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ payload: 'for the examples', expire_after_views: 5 }),
    });
    assert.equal(response.status, 201);
    return String(((await response.json()) as { token: string }).token);
  };

  it('sends each one as "Try it out" would, with real tokens for the path parameters, and gets no 4xx or 5xx', async () => {
    assert.ok(withBody.length >= 9, 'every operation with a body is covered');
    // Operations whose path names a resource run after the one that makes it.
    const pathTokens: Record<string, string> = {};
    const ordered = [...withBody].sort((left, right) => Number(left.path.includes('{')) - Number(right.path.includes('{')));
    for (const { path, method, operation } of ordered) {
      let concrete = path;
      if (path === '/api/passdrop/v1/pushes/{token}/reveal') concrete = path.replace('{token}', pathTokens.push!);
      else if (path === '/api/passdrop/v1/requests/{token}/answers') concrete = path.replace('{token}', pathTokens.request!);
      else if (path.includes('{token}')) concrete = path.replace('{token}', await ownedPush());
      else if (path.startsWith('/api/passdrop/v1/admin/webhooks/{id}')) concrete = path.replace('{id}', pathTokens.adminWebhook!);
      else if (path.startsWith('/api/passdrop/v1/webhooks/{id}')) concrete = path.replace('{id}', pathTokens.webhook!);
      assert.doesNotMatch(concrete, /\{/, `${method} ${path}: a path parameter this test does not fill`);
      const response = await send(method, concrete, operation);
      const text = await response.text();
      const body = (text.startsWith('{') ? JSON.parse(text) : { text: text.slice(0, 200) }) as Record<string, unknown>;
      assert.ok(response.status < 400, `${method} ${path} answered ${response.status}: ${JSON.stringify(body)}`);
      if (path === '/api/passdrop/v1/pushes') pathTokens.push = String(body.token);
      if (path === '/api/passdrop/v1/requests') pathTokens.request = String(body.token);
      if (path === '/api/passdrop/v1/webhooks' && method === 'POST') pathTokens.webhook = String(body.id);
      if (path === '/api/passdrop/v1/admin/webhooks' && method === 'POST') pathTokens.adminWebhook = String(body.id);
    }
  });
});
