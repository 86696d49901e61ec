// The container image and both compose files, for real: podman builds deploy/Dockerfile on a local
// Debian + Node base (no registry is reachable here; see test/deploy/ci-images), runs it, creates and
// reveals pushes through it over HTTP, stops it while a request is in flight, and brings each compose
// file up and down. Needs root and podman (scripts/install-test-deps.sh installs it); never skipped.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ciBaseImages, mustRun, podman, runCommand, waitForOk, type CiImages } from '../support/containers.js';
import { freePort } from '../support/free-port.js';

const IMAGE = 'localhost/passdrop:ci-test';
const RUN_ID = `${process.pid}`;

interface PushView {
  readonly token: string;
  readonly views_remaining: number;
}

async function createPush(base: string, payload: string, views: number): Promise<PushView> {
  const response = await fetch(`${base}/api/passdrop/v1/pushes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ payload, expire_after_views: views, retrieval_step: false }),
  });
  const body = (await response.json()) as PushView;
  assert.equal(response.status, 201, JSON.stringify(body));
  return body;
}

async function reveal(base: string, token: string): Promise<{ status: number; payload?: string }> {
  const response = await fetch(`${base}/api/passdrop/v1/pushes/${token}/reveal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const body = (await response.json()) as { payload?: string };
  return { status: response.status, ...(body.payload === undefined ? {} : { payload: body.payload }) };
}

/** Waits until `podman logs` of a container contains `text`. */
async function waitForLog(container: string, text: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout, stderr } = await runCommand('podman', ['logs', container]);
    if (stdout.includes(text) || Date.now() > deadline) return stdout + stderr;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** podman-compose 1.0.3 for one project. */
function composeProject(name: string, file: string, env: Record<string, string>) {
  return {
    run: (...args: string[]) => mustRun('podman-compose', ['-p', name, '-f', file, ...args], env),
    container: (service: string) => `${name}_${service}_1`,
  };
}

/**
 * Removes whatever a compose project left, by its label rather than through compose (which needs the
 * project's variables, and whose 1.0.3 `down` leaves the network behind).
 */
async function removeComposeProject(name: string): Promise<void> {
  const label = `label=io.podman.compose.project=${name}`;
  const containers = (await runCommand('podman', ['ps', '-aq', '--filter', label])).stdout.split('\n').filter(Boolean);
  if (containers.length > 0) await runCommand('podman', ['rm', '-f', '-v', ...containers]);
  const volumes = (await runCommand('podman', ['volume', 'ls', '-q', '--filter', label])).stdout.split('\n').filter(Boolean);
  if (volumes.length > 0) await runCommand('podman', ['volume', 'rm', '-f', ...volumes]);
  await runCommand('podman', ['network', 'rm', '-f', `${name}_default`]);
}

describe('the container image', { timeout: 20 * 60_000 }, () => {
  let images: CiImages;
  const container = `passdrop-ci-${RUN_ID}`;
  const sqliteProject = `pdci${RUN_ID}sqlite`;
  const postgresProject = `pdci${RUN_ID}pg`;

  before(async () => {
    images = await ciBaseImages();
    // --format docker keeps HEALTHCHECK (the OCI format has no such field).
    await podman('build', '--format', 'docker', '-f', 'deploy/Dockerfile', '--build-arg', `NODE_IMAGE=${images.nodeImage}`, '-t', IMAGE, '.');
  });

  after(async () => {
    await runCommand('podman', ['rm', '-f', '-v', container]);
    await removeComposeProject(sqliteProject);
    await removeComposeProject(postgresProject);
  });

  it('holds only what runs, as a non-root user, with a /data volume, a HEALTHCHECK on /up and node as the entrypoint', async (t) => {
    const [inspected] = JSON.parse((await podman('image', 'inspect', IMAGE)).stdout) as [
      { Size: number; Config: Record<string, unknown>; Healthcheck?: { Test: string[] } },
    ];
    const config = inspected.Config as { User: string; Env: string[]; Entrypoint: string[]; Cmd: string[]; Volumes: Record<string, unknown>; StopSignal: string };
    assert.equal(config.User, '10001:10001');
    assert.deepEqual(Object.keys(config.Volumes), ['/data']);
    assert.ok(config.Env.includes('PASSDROP_DATA_DIR=/data'));
    assert.ok(config.Env.includes('DATABASE_URL=sqlite:/data/passdrop.sqlite'));
    assert.deepEqual(config.Entrypoint, ['node', '/app/dist/cli/passdrop-server-bin.js']);
    assert.deepEqual(config.Cmd, ['serve']);
    assert.equal(config.StopSignal, 'SIGTERM');
    assert.deepEqual(inspected.Healthcheck?.Test, ['CMD', 'node', '/app/healthcheck.mjs']);

    const listing = await podman(
      'run', '--rm', '--entrypoint', 'sh', IMAGE, '-c',
      'ls -A /app; echo ---; ls /app/node_modules; echo ---; command -v g++ python3 make || true; echo ---; du -sk /app | cut -f1',
    );
    const [app, modules, tools, kilobytes] = listing.stdout.split('---\n').map((part) => part.trim().split('\n').filter(Boolean));
    assert.deepEqual(app, ['build', 'dist', 'healthcheck.mjs', 'node_modules', 'package.json']);
    for (const name of ['better-sqlite3', 'fastify', 'pg']) assert.ok(modules!.includes(name), `${name} is installed`);
    for (const name of ['typescript', 'esbuild', 'eslint', 'tsx', 'playwright-core']) assert.ok(!modules!.includes(name), `${name} is not in the image`);
    assert.deepEqual(tools, [], 'no compiler in the runtime image');
    const base = Number((await podman('image', 'inspect', '--format', '{{.Size}}', images.nodeImage)).stdout.trim());
    t.diagnostic(`image ${(inspected.Size / 1e6).toFixed(0)} MB on a ${(base / 1e6).toFixed(0)} MB base; /app is ${(Number(kilobytes![0]) / 1024).toFixed(1)} MiB`);
  });

  it('runs with a read-only root: serves pushes over HTTP, reports healthy, and on podman stop finishes the request in flight and exits 0', async () => {
    const port = await freePort();
    // Read-only root filesystem, as the Helm chart runs it: only /data (the volume) and /tmp are writable.
    await podman('run', '-d', '--name', container, '--read-only', '--network=host', '-e', `PORT=${port}`, '-e', 'HOST=127.0.0.1', IMAGE);
    const base = `http://127.0.0.1:${port}`;
    await waitForOk(`${base}/up`);

    const push = await createPush(base, 'sent through the container', 1);
    assert.deepEqual(await reveal(base, push.token), { status: 200, payload: 'sent through the container' });
    assert.equal((await reveal(base, push.token)).status, 410, 'a one-view push reveals once');

    assert.equal((await runCommand('podman', ['healthcheck', 'run', container])).code, 0, 'the HEALTHCHECK passes');
    assert.equal((await podman('exec', container, 'id', '-u')).stdout.trim(), '10001');
    const data = (await podman('exec', container, 'ls', '-ln', '/data')).stdout;
    assert.match(data, /^-rw------- 1 10001 10001 .* master\.key$/m, 'the generated master key is in the volume, readable by its owner only');
    assert.match(data, /^-rw------- 1 10001 10001 .* passdrop\.sqlite$/m);
    // The README's backup command inside the container.
    const backup = await podman('exec', container, 'node', '/app/dist/cli/passdrop-server-bin.js', 'backup', '/data/backup.sqlite');
    assert.match(backup.stdout, /^Backed up \/data\/passdrop\.sqlite to \/data\/backup\.sqlite \(\d+ bytes\)\./);

    // A request whose body is still arriving when podman stop sends SIGTERM must still succeed.
    const body = JSON.stringify({ payload: 'in flight during stop', retrieval_step: false });
    let request!: http.ClientRequest;
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      request = http.request(
        { host: '127.0.0.1', port, path: '/api/passdrop/v1/pushes', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
    });
    request.write(body.slice(0, 10));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stopped = runCommand('podman', ['stop', '--time', '30', container]);
    const logs = await waitForLog(container, '"shutting down: finishing in-flight requests"');
    assert.match(logs, /"signal":"SIGTERM"/);
    request.end(body.slice(10));
    const { status, text } = await response;
    assert.equal(status, 201, text);
    assert.equal((await stopped).code, 0);
    assert.equal((await podman('inspect', '--format', '{{.State.ExitCode}}', container)).stdout.trim(), '0', 'exited 0, not killed');
    assert.match((await podman('logs', container)).stdout, /"msg":"stopped"/);
    await podman('rm', '-v', container);
  });

  it('compose.yaml: one container on SQLite whose volume keeps the database and the master key across down and up', async () => {
    const port = await freePort();
    const env = { PASSDROP_IMAGE: IMAGE, PASSDROP_PORT: `127.0.0.1:${port}` };
    const project = composeProject(sqliteProject, 'deploy/compose.yaml', env);
    const base = `http://127.0.0.1:${port}`;
    await project.run('up', '-d');
    await waitForOk(`${base}/up`);
    const push = await createPush(base, 'kept in the volume', 2);
    assert.deepEqual(await reveal(base, push.token), { status: 200, payload: 'kept in the volume' });

    await project.run('down');
    await project.run('up', '-d');
    await waitForOk(`${base}/up`);
    assert.deepEqual(await reveal(base, push.token), { status: 200, payload: 'kept in the volume' }, 'the same database and master key after down and up');
    assert.equal((await reveal(base, push.token)).status, 410);
    await project.run('down', '-v');
    const left = await podman('ps', '-a', '--filter', `label=io.podman.compose.project=${sqliteProject}`, '--format', '{{.Names}}');
    assert.equal(left.stdout.trim(), '', 'no container is left');
  });

  it('compose.postgres.yaml: Passdrop waits for PostgreSQL, serves pushes from it, and comes down cleanly', async (t) => {
    const port = await freePort();
    const env = {
      PASSDROP_IMAGE: IMAGE,
      POSTGRES_IMAGE: images.postgresImage,
      POSTGRES_PASSWORD: randomBytes(24).toString('hex'),
      PASSDROP_PORT: `127.0.0.1:${port}`,
    };
    const project = composeProject(postgresProject, 'deploy/compose.postgres.yaml', env);
    const base = `http://127.0.0.1:${port}`;
    await project.run('up', '-d');
    await waitForOk(`${base}/up`, 120_000);
    const push = await createPush(base, 'stored in PostgreSQL', 1);
    assert.deepEqual(await reveal(base, push.token), { status: 200, payload: 'stored in PostgreSQL' });
    assert.equal((await reveal(base, push.token)).status, 410);

    const logs = (await podman('logs', project.container('passdrop'))).stdout;
    assert.match(logs, /"database":"postgres","msg":"Passdrop is listening"/);
    t.diagnostic(`Passdrop retried the database ${logs.split('"database not reachable yet; retrying"').length - 1} times while it started`);
    const rows = await podman('exec', project.container('db'), 'psql', '-U', 'passdrop', '-d', 'passdrop', '-Atc', 'select count(*) from pushes');
    assert.equal(rows.stdout.trim(), '1', 'the push is in the compose PostgreSQL');

    await project.run('down', '-v');
    const left = await podman('ps', '-a', '--filter', `label=io.podman.compose.project=${postgresProject}`, '--format', '{{.Names}}');
    assert.equal(left.stdout.trim(), '', 'no container is left');
    const volumes = await podman('volume', 'ls', '-q', '--filter', `label=io.podman.compose.project=${postgresProject}`);
    assert.equal(volumes.stdout.trim(), '', 'down -v removed the volumes');
  });
});
