import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { databaseBytes } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { linkOf, runCli } from '../support/passdrop-cli.js';
import { pushStatus } from '../support/push-helpers.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { TRICKY_SECRETS } from '../support/tricky-secrets.js';

const MINUTE = 60_000;

describeEachDatabase('passdrop push and get against a Passdrop server', (fixture) => {
  let server: TestServer;
  let now = Date.now();
  before(async () => {
    // The server's clock stands still unless a test moves it; start it at the real time.
    now = Date.now();
    server = await startTestServer(fixture.database, { clock: () => now });
  });
  after(() => server?.stop());

  const env = () => ({ PASSDROP_SERVER: server.url });
  const tokenOf = (link: string) => new URL(link).pathname.split('/')[2]!;

  it('pushes from stdin end to end and gets the exact secret back; the server never sees it', async () => {
    const pushed = await runCli(['push', '--views', '1', '--expires', '1h'], { env: env(), stdin: 's3cr3t' });
    const link = linkOf(pushed);
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/p\/[A-Za-z0-9_-]{22}\/r#[A-Za-z0-9_-]{43}$/);
    assert.match(pushed.stderr, /^Expires after 1 view or at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 1 hour\), whichever comes first\.$/m);
    assert.match(pushed.stderr, /Encrypted on this machine/);
    const status = await pushStatus(server, tokenOf(link));
    assert.equal(status.encryption, 'client');
    assert.equal(status.expire_after_views, 1);
    assert.ok(Math.abs(Date.parse(status.expires_at as string) - (now + 60 * MINUTE)) < 5_000);

    const bytes = await databaseBytes(fixture.database);
    for (const leaked of ['s3cr3t', link.split('#')[1]!]) {
      assert.equal(bytes.indexOf(leaked), -1, `${leaked} reached the database`);
      assert.ok(!server.logs.join('').includes(leaked), `${leaked} reached the logs`);
    }

    const got = await runCli(['get', '--yes', link]);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(got.stdout, Buffer.from('s3cr3t'));
    assert.match(got.stderr, /That was the last view/);
    const again = await runCli(['get', '--yes', link]);
    assert.equal(again.code, 3);
    assert.match(again.stderr, /expired \(its views are used up\)/);
    assert.equal(again.stdout.length, 0);
  });

  it('round-trips every tricky secret byte for byte, from stdin and from --file, as text and as QR', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'passdrop-secrets-'));
    const cases = TRICKY_SECRETS.flatMap(([label, secret], index) => {
      const file = join(directory, `secret-${index}`);
      writeFileSync(file, secret);
      // Every secret through stdin; a third of them through --file, another third as QR pushes.
      return [
        { label: `${label} (stdin)`, secret, args: ['push'], stdin: secret },
        ...(index % 3 === 1 ? [{ label: `${label} (--file)`, secret, args: ['push', '--file', file], stdin: undefined }] : []),
        ...(index % 3 === 0 ? [{ label: `${label} (qr)`, secret, args: ['push', '--kind', 'qr'], stdin: secret }] : []),
      ];
    });
    await Promise.all(
      cases.map(async ({ label, secret, args, stdin }) => {
        const link = linkOf(await runCli([...args, '--views', '1'], { env: env(), ...(stdin === undefined ? {} : { stdin }) }));
        const got = await runCli(['get', '--yes', link]);
        assert.equal(got.code, 0, `${label}: ${got.stderr}`);
        assert.equal(got.stdout.toString('hex'), Buffer.from(secret, 'utf8').toString('hex'), label);
      }),
    );
  });

  it('protects with a passphrase: refused without or with a wrong one, no view used; opened with the right one', async () => {
    const link = linkOf(await runCli(['push', '--passphrase', '--views', '2'], { env: { ...env(), PASSDROP_PASSPHRASE: 'told by phone' }, stdin: 'behind a passphrase' }));
    const token = tokenOf(link);
    assert.equal((await pushStatus(server, token)).passphrase_protected, true);
    const bytes = await databaseBytes(fixture.database);
    assert.equal(bytes.indexOf('told by phone'), -1, 'the passphrase reached the database');

    const without = await runCli(['get', '--yes', link]);
    assert.equal(without.code, 4);
    assert.match(without.stderr, /needs its passphrase: set PASSDROP_PASSPHRASE/);
    const wrong = await runCli(['get', '--yes', link], { env: { PASSDROP_PASSPHRASE: 'guessed' } });
    assert.equal(wrong.code, 4);
    assert.match(wrong.stderr, /PASSDROP_PASSPHRASE is wrong/);
    assert.equal((await pushStatus(server, token)).views_remaining, 2, 'no view was used');

    const right = await runCli(['get', '--yes', link], { env: { PASSDROP_PASSPHRASE: 'told by phone' } });
    assert.equal(right.code, 0, right.stderr);
    assert.equal(right.stdout.toString(), 'behind a passphrase');
    assert.match(right.stderr, /^1 view left until .* UTC/m);
  });

  it('sets the retrieval step on or off, and deletable or not, as asked', async () => {
    const withStep = linkOf(await runCli(['push', '--retrieval-step', '--deletable'], { env: env(), stdin: 'stepped' }));
    const withoutStep = linkOf(await runCli(['push', '--no-retrieval-step', '--no-deletable'], { env: env(), stdin: 'direct' }));
    assert.match(withStep, /\/r#/);
    assert.doesNotMatch(withoutStep, /\/r#/);
    const [stepped, direct] = await Promise.all([pushStatus(server, tokenOf(withStep)), pushStatus(server, tokenOf(withoutStep))]);
    assert.deepEqual([stepped.retrieval_step, stepped.deletable_by_viewer], [true, true]);
    assert.deepEqual([direct.retrieval_step, direct.deletable_by_viewer], [false, false]);
    for (const [link, secret] of [[withStep, 'stepped'], [withoutStep, 'direct']] as const) {
      const got = await runCli(['get', link]);
      assert.equal(got.code, 0, got.stderr);
      assert.equal(got.stdout.toString(), secret);
    }
    // A recipient (no token) may expire only the deletable one.
    const refused = await runCli(['expire', withoutStep]);
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /PUSH_NOT_DELETABLE/);
    const expired = await runCli(['expire', withStep]);
    assert.equal(expired.code, 0, expired.stderr);
    assert.equal((await pushStatus(server, tokenOf(withStep))).expire_reason, 'viewer');
  });

  it('asks before the last view: without a terminal and without --yes it refuses with exit code 7 and uses nothing', async () => {
    const link = linkOf(await runCli(['push', '--views', '1'], { env: env(), stdin: 'only once' }));
    const refused = await runCli(['get', link]);
    assert.equal(refused.code, 7);
    assert.match(refused.stderr, /last view.*pass --yes/);
    assert.equal(refused.stdout.length, 0);
    assert.equal((await pushStatus(server, tokenOf(link))).views_remaining, 1);
  });

  it('takes 30m, 12h, 7d and ISO times for --expires, and the push expires when its time runs out', async () => {
    const at = new Date(now + 3 * 86_400_000).toISOString();
    const cases: Array<[string, number]> = [['30m', 30 * MINUTE], ['12h', 720 * MINUTE], ['7d', 7 * 1440 * MINUTE], [at, 3 * 1440 * MINUTE]];
    for (const [expires, lifetime] of cases) {
      const link = linkOf(await runCli(['push', '--expires', expires], { env: env(), stdin: `lives ${expires}` }));
      const status = await pushStatus(server, tokenOf(link));
      assert.ok(Math.abs(Date.parse(status.expires_at as string) - (now + lifetime)) < 5_000, `${expires}: ${String(status.expires_at)}`);
    }
    const bad = await runCli(['push', '--expires', 'tomorrow'], { env: env(), stdin: 'x' });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--expires takes 30m, 12h, 7d or an ISO 8601 time/);
    const tooShort = await runCli(['push', '--expires', '1m'], { env: env(), stdin: 'x' });
    assert.equal(tooShort.code, 2, 'the server refuses lifetimes under its minimum (422 → usage)');
    assert.match(tooShort.stderr, /VALIDATION_FAILED/);

    const link = linkOf(await runCli(['push', '--expires', '30m'], { env: env(), stdin: 'short-lived' }));
    now += 31 * MINUTE;
    const late = await runCli(['get', '--yes', link]);
    assert.equal(late.code, 3);
    assert.match(late.stderr, /expired \(its time ran out\)/);
  });

  it('tells a cut link apart before using a view (exit code 6), and an unknown one (exit code 3)', async () => {
    const link = linkOf(await runCli(['push'], { env: env(), stdin: 'keep the link whole' }));
    const [cut, noKey] = await Promise.all([runCli(['get', '--yes', link.slice(0, -5)]), runCli(['get', '--yes', link.split('#')[0]!])]);
    for (const result of [cut, noKey]) {
      assert.equal(result.code, 6);
      assert.match(result.stderr, /The link is incomplete/);
    }
    assert.equal((await pushStatus(server, tokenOf(link))).views_remaining, 5);
    const unknown = await runCli(['get', '--yes', `${server.url}/p/AAAAAAAAAAAAAAAAAAAAAA#${link.split('#')[1]}`]);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /PUSH_NOT_FOUND/);
  });

  it('pushes a URL encrypted by the server (it must redirect), and --json describes the push', async () => {
    const pushed = await runCli(['push', '--kind', 'url', '--json', '--name', 'the wiki'], { env: env(), stdin: 'https://example.com/wiki?page=1\n' });
    assert.equal(pushed.code, 0, pushed.stderr);
    const json = JSON.parse(pushed.stdout.toString()) as Record<string, unknown>;
    assert.equal(json.api, 'passdrop');
    assert.equal(json.kind, 'url');
    assert.equal(json.encryption, 'server');
    assert.doesNotMatch(json.link as string, /#/);
    assert.match(pushed.stderr, /Encrypted by the server \(it must know where to redirect\)/);
    const got = await runCli(['get', '--yes', json.link as string]);
    assert.equal(got.stdout.toString(), 'https://example.com/wiki?page=1', 'the newline echo added is not part of the URL');
  });

  it('draws the link as a QR code on stderr with --qr, keeping stdout to the link alone', async () => {
    const pushed = await runCli(['push', '--qr'], { env: env(), stdin: 'scan me' });
    linkOf(pushed);
    assert.match(pushed.stderr, /[▄▀█]{5,}/);
  });

  it('never takes the secret from the command line, and says why', async () => {
    const refused = await runCli(['push', 'hunter2'], { env: env(), stdin: '' });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /takes no secret or passphrase on the command line/);
    const empty = await runCli(['push'], { env: env(), stdin: '' });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /The secret is empty/);
  });
});
