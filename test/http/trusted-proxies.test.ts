import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createSiteAddress } from '../../src/surfaces/surface-kit/public-url.js';
import { createTestDatabase, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

function probe(baseUrl: string | undefined) {
  const site = createSiteAddress({ baseUrl, basePath: '' });
  return (app: FastifyInstance) => {
    app.get('/api/probe/origin', { config: { access: 'public' } }, async (request) => ({ base: site.publicUrl(request), ip: request.ip }));
  };
}

const forwarded = {
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'secrets.example.com',
};

describe('links and client addresses behind a reverse proxy', () => {
  let database: TestDatabase;
  const servers: TestServer[] = [];
  before(async () => {
    database = await createTestDatabase('sqlite');
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await database.drop();
  });

  async function start(env: Record<string, string>, baseUrl?: string) {
    const server = await startTestServer(database, { env, probeRoutes: { operations: probe(baseUrl) } });
    servers.push(server);
    return server;
  }

  it('ignore X-Forwarded-* headers when no proxy is trusted', async () => {
    const server = await start({});
    const response = await server.fetch('/api/probe/origin', { headers: forwarded });
    const port = new URL(server.url).port;
    assert.deepEqual(await response.json(), { base: `http://127.0.0.1:${port}`, ip: '127.0.0.1' });
  });

  it('honour X-Forwarded-* headers from a trusted proxy', async () => {
    const server = await start({ TRUSTED_PROXIES: '127.0.0.1' });
    const response = await server.fetch('/api/probe/origin', { headers: forwarded });
    assert.deepEqual(await response.json(), { base: 'https://secrets.example.com', ip: '203.0.113.7' });
  });

  it('ignore X-Forwarded-* headers when the peer is not one of the trusted proxies', async () => {
    const server = await start({ TRUSTED_PROXIES: '10.0.0.0/8' });
    const response = await server.fetch('/api/probe/origin', { headers: forwarded });
    assert.equal(((await response.json()) as { ip: string }).ip, '127.0.0.1');
  });

  it('prefer PASSDROP_BASE_URL over anything the request says', async () => {
    const server = await start({ TRUSTED_PROXIES: '127.0.0.1', PASSDROP_BASE_URL: 'https://configured.example' }, 'https://configured.example');
    const response = await server.fetch('/api/probe/origin', { headers: forwarded });
    assert.equal(((await response.json()) as { base: string }).base, 'https://configured.example');
    assert.equal(server.config.server.baseUrl, 'https://configured.example');
  });
});
