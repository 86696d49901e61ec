import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { databaseBytes } from '../support/database-inspector.js';
import { describeEachDatabase } from '../support/each-database.js';
import { finished, freshConfigHome, linkOf, runCli, spawnCli } from '../support/passdrop-cli.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { TRICKY_SECRETS } from '../support/tricky-secrets.js';
import { answerWithFilesThroughApi, createRequest } from '../support/request-helpers.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Waits until the process sits blocked in the kernel (waiting for input). */
async function waitingOnStdin(pid: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
    const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (state === 'S' && wchan !== '0') return;
    await sleep(50);
  }
  throw new Error('the CLI never waited for input');
}

describeEachDatabase('passdrop request and passdrop answer, CLI to CLI', (fixture) => {
  let server: TestServer;
  let token: string;
  before(async () => {
    server = await startTestServer(fixture.database);
    token = await accountWithToken(fixture.database, 'requester@example.com');
  });
  after(() => server?.stop());

  const requester = () => ({ PASSDROP_SERVER: server.url, PASSDROP_TOKEN: token });
  const tokenOf = (link: string) => /\/req\/([A-Za-z0-9_-]+)#/.exec(link)![1]!;

  it('makes a request, answers it, lists and reads the answer byte for byte; the key file is 0600; the server holds no plaintext', async () => {
    const home = freshConfigHome();
    const created = await runCli(['request', '--name', 'staging db', '--from', 'Dana from IT', '--instructions', 'The staging password, please.', '--answers', '2', '--answer-views', '2'], {
      env: requester(),
      configHome: home,
    });
    const link = linkOf(created);
    assert.match(link, new RegExp(`^${server.url}/req/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{43}$`));
    assert.match(created.stderr, /Takes 2 answers until/);
    const keyFile = join(home, '.local', 'share', 'passdrop', 'request-keys.json');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.equal(statSync(join(home, '.local', 'share', 'passdrop')).mode & 0o777, 0o700);
    const stored = JSON.parse(readFileSync(keyFile, 'utf8')) as { keys: Array<{ token: string; requesterKey: string }> };
    assert.equal(stored.keys[0]!.token, tokenOf(link));

    const secret = TRICKY_SECRETS.map(([, text]) => text).join('|');
    const answered = await runCli(['answer', link], { stdin: secret });
    assert.equal(answered.code, 0, answered.stderr);
    assert.match(answered.stderr, /Dana from IT asks you for a secret/);
    assert.match(answered.stderr, /Instructions: The staging password, please\./);
    assert.match(answered.stderr, /only Dana from IT .* can read it/);

    const bytes = await databaseBytes(fixture.database);
    for (const leaked of [secret.slice(0, 40), stored.keys[0]!.requesterKey]) {
      assert.equal(bytes.indexOf(leaked), -1, 'a secret reached the database');
      assert.ok(!server.logs.join('').includes(leaked), 'a secret reached the logs');
    }

    const listed = await runCli(['request', 'list'], { env: requester(), configHome: home });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout.toString(), new RegExp(`${tokenOf(link)} .* 1/2 .* yes +staging db`));
    const answers = await runCli(['request', 'answers', link, '--json'], { env: requester(), configHome: home });
    const [answer] = JSON.parse(answers.stdout.toString()) as Array<{ answer_id: string; views_remaining: number }>;
    assert.equal(answer!.views_remaining, 2);

    const read = await runCli(['request', 'read', `${tokenOf(link)}/${answer!.answer_id}`], { env: requester(), configHome: home });
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.toString('hex'), Buffer.from(secret).toString('hex'));
    assert.match(read.stderr, /1 view left/);
    // The last view needs --yes without a terminal; a bare answer id is found among the requests whose keys are here.
    const refused = await runCli(['request', 'read', answer!.answer_id], { env: requester(), configHome: home });
    assert.equal(refused.code, 7, refused.stderr);
    const last = await runCli(['request', 'read', '--yes', answer!.answer_id], { env: requester(), configHome: home });
    assert.equal(last.code, 0, last.stderr);
    assert.equal(last.stdout.toString('hex'), Buffer.from(secret).toString('hex'));
    const gone = await runCli(['request', 'read', '--yes', `${tokenOf(link)}/${answer!.answer_id}`], { env: requester(), configHome: home });
    assert.equal(gone.code, 3, gone.stderr);

    const closed = await runCli(['request', 'close', tokenOf(link)], { env: requester(), configHome: home });
    assert.equal(closed.code, 0, closed.stderr);
    const late = await runCli(['answer', link], { stdin: 'too late' });
    assert.equal(late.code, 3, late.stderr);
    const closedList = await runCli(['request', 'list', '--closed'], { env: requester(), configHome: home });
    assert.match(closedList.stdout.toString(), new RegExp(`${tokenOf(link)} .*\\(owner\\)`));
  });

  it('refuses a link whose fingerprint does not match or is missing, and sends nothing', async () => {
    const link = linkOf(await runCli(['request'], { env: requester() }));
    const other = linkOf(await runCli(['request'], { env: requester() }));
    const swapped = `${link.split('#')[0]}#${other.split('#')[1]}`;
    for (const bad of [swapped, link.split('#')[0]!]) {
      const refused = await runCli(['answer', bad], { stdin: 'should never leave' });
      assert.equal(refused.code, 6, refused.stderr);
      assert.equal(refused.stdout.length, 0);
    }
    const answers = await runCli(['request', 'answers', link, '--json'], { env: requester() });
    assert.deepEqual(JSON.parse(answers.stdout.toString()), []);
  });

  it('asks responders for the passphrase; reads on another device with the requester key link', async () => {
    const created = await runCli(['request', '--passphrase', '--show-key', '--no-save-key'], { env: { ...requester(), PASSDROP_PASSPHRASE: 'told by phone' } });
    const link = linkOf(created);
    const keyLink = /^(http\S+#key=[A-Za-z0-9_-]{43})$/m.exec(created.stderr)![1]!;
    const wrong = await runCli(['answer', link], { env: { PASSDROP_PASSPHRASE: 'guessed' }, stdin: 'behind a passphrase' });
    assert.equal(wrong.code, 4, wrong.stderr);
    const none = await runCli(['answer', link], { stdin: 'behind a passphrase' });
    assert.equal(none.code, 4, none.stderr);
    const right = await runCli(['answer', link], { env: { PASSDROP_PASSPHRASE: 'told by phone' }, stdin: 'behind a passphrase' });
    assert.equal(right.code, 0, right.stderr);

    const device = freshConfigHome();
    const [answer] = JSON.parse((await runCli(['request', 'answers', link, '--json'], { env: requester(), configHome: device })).stdout.toString()) as Array<{ answer_id: string }>;
    const noKey = await runCli(['request', 'read', '--yes', `${tokenOf(link)}/${answer!.answer_id}`], { env: requester(), configHome: device });
    assert.equal(noKey.code, 4, noKey.stderr);
    const read = await runCli(['request', 'read', '--yes', `${tokenOf(link)}/${answer!.answer_id}`], { env: { ...requester(), PASSDROP_REQUESTER_KEY: keyLink }, configHome: device });
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.toString(), 'behind a passphrase');
  });

  it('holds the answer and the passphrase without either in /proc/PID/cmdline', async () => {
    const link = linkOf(await runCli(['request', '--passphrase'], { env: { ...requester(), PASSDROP_PASSPHRASE: 'phrase-77ab' } }));
    const child = await spawnCli(['answer', link], { env: { PASSDROP_PASSPHRASE: 'phrase-77ab' } });
    const result = finished(child);
    child.stdin!.write('answer-3d9f-');
    await waitingOnStdin(child.pid!);
    const seen = readFileSync(`/proc/${child.pid!}/cmdline`, 'utf8').replace(/\0/g, ' ');
    assert.match(seen, /passdrop\.mjs answer http/);
    for (const secret of ['answer-3d9f', 'phrase-77ab']) assert.ok(!seen.includes(secret), `${secret} is visible in ${seen}`);
    child.stdin!.end('rest');
    const done = await result;
    assert.equal(done.code, 0, done.stderr);
  });

  it('reads an answer with files into a directory, each decrypted here and checked; the message goes to stderr', async () => {
    const { request, keys } = await createRequest(server, token, { files_allowed: true, answer_expire_after_views: 1 });
    const files = [
      { name: 'scan.pdf', bytes: new Uint8Array(randomBytes(150 * 1024 + 9)) },
      { name: 'keys.txt', bytes: new Uint8Array(Buffer.from('ssh key here\n')) },
    ];
    const sent = (await (await answerWithFilesThroughApi(server, request, 'both files', files)).json()) as { answer_id: string };
    const target = mkdtempSync(join(tmpdir(), 'passdrop-answer-files-'));
    const read = await runCli(['request', 'read', `${request.token}/${sent.answer_id}`, '--yes', '--output', target], {
      env: { ...requester(), PASSDROP_REQUESTER_KEY: keys.requesterKey },
    });
    assert.equal(read.code, 0, read.stderr);
    assert.deepEqual(read.stdout.toString('utf8').trimEnd().split('\n'), files.map((file) => join(target, file.name)));
    assert.match(read.stderr, /Message: both files/);
    for (const file of files) assert.equal(sha256(readFileSync(join(target, file.name))), sha256(file.bytes));
  });
});
