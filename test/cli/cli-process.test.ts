import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { describeEachDatabase } from '../support/each-database.js';
import { cliBundle, finished, linkOf, runCli, spawnCli } from '../support/passdrop-cli.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** What `ps` shows of a process: its argv, NUL-separated. */
function commandLineOf(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
}

/** Waits until the process has started and sits idle, blocked in the kernel (waiting for input). */
async function waitingOnStdin(pid: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const wchan = readFileSync(`/proc/${pid}/wchan`, 'utf8');
    const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (state === 'S' && wchan !== '0') return;
    await sleep(50);
  }
  throw new Error('the CLI never waited for input');
}

describeEachDatabase('the passdrop process keeps secrets off its command line', (fixture) => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer(fixture.database);
  });
  after(() => server?.stop());

  it('holds a secret and a passphrase read from stdin and the environment without either in /proc/PID/cmdline', async () => {
    const child = await spawnCli(['push', '--passphrase', '--views', '1', '--server', server.url], { env: { PASSDROP_PASSPHRASE: 'passphrase-4f2a' } });
    const result = finished(child);
    // Half the secret is in; the CLI holds it while it waits for the rest.
    child.stdin!.write('secret-9c1e-');
    await waitingOnStdin(child.pid!);
    const seen = commandLineOf(child.pid!);
    assert.match(seen, /passdrop\.mjs push --passphrase --views 1 --server http/);
    for (const secret of ['secret-9c1e', 'passphrase-4f2a']) assert.ok(!seen.includes(secret), `${secret} is visible in ${seen}`);
    child.stdin!.end('rest');
    const link = linkOf(await result);

    // `get` can take the link (whose fragment is the key) on stdin instead of argv.
    const getter = await spawnCli(['get', '--yes'], { env: { PASSDROP_PASSPHRASE: 'passphrase-4f2a' } });
    const got = finished(getter);
    await waitingOnStdin(getter.pid!);
    const key = link.split('#')[1]!;
    getter.stdin!.end(`${link}\n`);
    assert.ok(!commandLineOf(getter.pid!).includes(key), 'the link key is on the command line');
    const opened = await got;
    assert.equal(opened.code, 0, opened.stderr);
    assert.equal(opened.stdout.toString(), 'secret-9c1e-rest');
  });
});

describe('passdrop help, usage errors and shell completion', () => {
  const commands = ['push', 'resume', 'get', 'login', 'logout', 'list', 'audit', 'expire', 'request', 'answer', 'completion'];

  it('prints help for the program and every command, exit code 0', async () => {
    const top = await runCli(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout.toString(), /^Usage: passdrop \[options\] \[command\]/);
    assert.match(top.stdout.toString(), /Exit codes:\n {2}0 {2}done[\s\S]*7 {2}opening would use the last view/);
    for (const command of commands) assert.match(top.stdout.toString(), new RegExp(`^ {2}${command} `, 'm'));
    const results = await Promise.all(commands.flatMap((command) => [runCli([command, '--help']), runCli(['help', command])]));
    results.forEach((result, index) => {
      const command = commands[Math.floor(index / 2)]!;
      assert.equal(result.code, 0, `${command}: ${result.stderr}`);
      assert.match(result.stdout.toString(), new RegExp(`^Usage: passdrop ${command} `), command);
    });
    const version = await runCli(['--version']);
    assert.equal(version.stdout.toString(), `${(JSON.parse(readFileSync('packages/cli/package.json', 'utf8')) as { version: string }).version}\n`);
  });

  it('answers usage errors with exit code 2 and nothing on stdout', async () => {
    const cases = [[], ['pusj'], ['push', '--views', 'many'], ['push', '--kind', 'file'], ['push', '--bogus'], ['completion', 'powershell'], ['get', 'not a link']];
    const results = await Promise.all(cases.map((args) => runCli(args, { env: { PASSDROP_SERVER: 'http://127.0.0.1:1' } })));
    results.forEach((result, index) => {
      assert.equal(result.code, 2, `${cases[index]!.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout.length, 0);
      assert.ok(result.stderr.length > 0);
    });
    assert.match(results[1]!.stderr, /Did you mean push\?/);
  });

  it('completes commands and option values in bash, zsh and fish', async () => {
    const bundle = await cliBundle();
    const bash = (await runCli(['completion', 'bash'])).stdout.toString();
    const complete = (line: string) =>
      execFileSync('bash', ['-c', `${bash}\nread -ra COMP_WORDS <<< "$LINE"; [[ "$LINE" == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _passdrop; echo "\${COMPREPLY[*]}"`], {
        env: { LINE: line, PATH: process.env.PATH, HOME: '/nonexistent' },
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
      }).trim();
    assert.equal(complete('passdrop pu'), 'push');
    assert.equal(complete('passdrop push --ki'), '--kind');
    assert.equal(complete('passdrop push --kind '), 'text url qr file');
    assert.equal(complete('passdrop get --api '), 'auto passdrop pwpush');
    assert.equal(complete('passdrop completion '), '--help bash zsh fish');
    assert.equal(complete('passdrop res'), 'resume');
    assert.equal(complete('passdrop resume --c'), '--cancel');

    const zsh = (await runCli(['completion', 'zsh'])).stdout.toString();
    assert.match(zsh, /^#compdef passdrop\n/);
    execFileSync('zsh', ['-n', '-c', zsh]);
    const fish = (await runCli(['completion', 'fish'])).stdout.toString();
    const fishComplete = (line: string) =>
      execFileSync('fish', ['--no-config', '-c', `${fish}\ncomplete -C ${JSON.stringify(line)}`], { encoding: 'utf8' })
        .split('\n')
        .map((entry) => entry.split('\t')[0])
        .filter(Boolean);
    assert.deepEqual(fishComplete('passdrop pu'), ['push']);
    assert.deepEqual(fishComplete('passdrop res'), ['resume']);
    assert.deepEqual(fishComplete('passdrop push --kind ').sort(), ['file', 'qr', 'text', 'url']);
    assert.ok(fishComplete('passdrop get --').includes('--yes'));
    assert.ok(bundle.endsWith('passdrop.mjs'));
  });

  it('completes the request subcommands and the file and directory options in bash, zsh and fish', async () => {
    // A working directory with one file and one directory: file options offer both, --output only the directory.
    const cwd = mkdtempSync(join(tmpdir(), 'passdrop-completion-'));
    writeFileSync(join(cwd, 'secret.txt'), 'x');
    mkdirSync(join(cwd, 'received'));
    const [bash, zsh, fish] = await Promise.all(['bash', 'zsh', 'fish'].map(async (shell) => (await runCli(['completion', shell])).stdout.toString()));
    const env = { PATH: process.env.PATH, HOME: '/nonexistent' };

    const bashComplete = (line: string) =>
      execFileSync('bash', ['-c', `${bash}\nread -ra COMP_WORDS <<< "$LINE"; [[ "$LINE" == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _passdrop; echo "\${COMPREPLY[*]}"`], {
        cwd,
        env: { ...env, LINE: line },
        encoding: 'utf8',
      })
        .trim()
        .split(' ')
        .sort();
    assert.deepEqual(bashComplete('passdrop request l'), ['list']);
    const afterRequest = bashComplete('passdrop request ');
    for (const word of ['create', 'list', 'answers', 'read', 'close', '--answers', '--show-key']) assert.ok(afterRequest.includes(word), word);
    // `passdrop request --x` is `passdrop request create --x`; `request list` has its own options, not the top-level list's.
    assert.deepEqual(bashComplete('passdrop request --answer'), ['--answer-expires', '--answer-views', '--answers']);
    assert.deepEqual(bashComplete('passdrop request list --'), ['--closed', '--help', '--json', '--server']);
    assert.deepEqual(bashComplete('passdrop request read --'), ['--help', '--output', '--request', '--server', '--yes']);
    assert.deepEqual(bashComplete('passdrop list --e'), ['--expired']);
    assert.deepEqual(bashComplete('passdrop push --file '), ['received', 'secret.txt']);
    assert.deepEqual(bashComplete('passdrop push -f se'), ['secret.txt']);
    assert.deepEqual(bashComplete('passdrop push '), ['received', 'secret.txt']);
    assert.deepEqual(bashComplete('passdrop push secret.txt --vi'), ['--views']);
    assert.deepEqual(bashComplete('passdrop answer LINK --file '), ['received', 'secret.txt']);
    assert.deepEqual(bashComplete('passdrop get LINK --output '), ['received']);
    assert.deepEqual(bashComplete('passdrop get LINK -o '), ['received']);

    const fishComplete = (line: string) =>
      execFileSync('fish', ['--no-config', '-c', `${fish}\ncomplete -C ${JSON.stringify(line)}`], { cwd, env, encoding: 'utf8' })
        .split('\n')
        .map((entry) => entry.split('\t')[0]!)
        .filter(Boolean)
        .sort();
    assert.deepEqual(fishComplete('passdrop request '), ['answers', 'close', 'create', 'list', 'read']);
    assert.deepEqual(fishComplete('passdrop request --answer'), ['--answer-expires', '--answer-views', '--answers']);
    assert.deepEqual(fishComplete('passdrop request create --answer'), ['--answer-expires', '--answer-views', '--answers']);
    assert.deepEqual(fishComplete('passdrop request list --'), ['--closed', '--help', '--json', '--server']);
    assert.deepEqual(fishComplete('passdrop list --'), ['--api', '--expired', '--help', '--json', '--server']);
    assert.deepEqual(fishComplete('passdrop push --file '), ['received/', 'secret.txt']);
    assert.deepEqual(fishComplete('passdrop push '), ['received/', 'secret.txt']);
    assert.deepEqual(fishComplete('passdrop get '), []);
    assert.deepEqual(fishComplete('passdrop get LINK --output '), ['received/']);

    // zsh's completion functions run only inside its line editor: here they are stand-ins that print what
    // the script asks of them, so the test sees the script's own choices in a real zsh.
    const zshComplete = (line: string) =>
      execFileSync(
        'zsh',
        ['-f', '-c', `_describe() { print -rl -- \${(P)\${@[-1]}}; }; _arguments() { print -rl -- "$@"; }; compdef() { :; }\n${zsh}\nwords=(\${(z)LINE}); [[ $LINE == *" " ]] && words+=(""); CURRENT=\${#words}; _passdrop`],
        { cwd, env: { ...env, LINE: line }, encoding: 'utf8' },
      )
        .split('\n')
        .filter(Boolean);
    assert.deepEqual(zshComplete('passdrop request ').map((entry) => entry.split(':')[0]), ['create', 'list', 'answers', 'read', 'close']);
    assert.ok(zshComplete('passdrop request --an').some((spec) => spec.startsWith('--answers[')));
    const requestList = zshComplete('passdrop request list --');
    assert.ok(requestList.includes('--closed[list closed requests instead (all answered, time run out, closed by you, or locked)]'));
    assert.ok(!requestList.some((spec) => spec.startsWith('--expired')));
    assert.ok(zshComplete('passdrop push --file ').some((spec) => spec.startsWith('(-f --file)--file[') && spec.endsWith(':file:_files')));
    assert.ok(zshComplete('passdrop push ').includes('*:file:_files'));
    assert.ok(!zshComplete('passdrop get ').includes('*:file:_files'));
    assert.ok(zshComplete('passdrop answer LINK --file ').some((spec) => spec.startsWith('(-f --file)--file[') && spec.endsWith(':file:_files')));
    assert.ok(zshComplete('passdrop get LINK --output ').some((spec) => spec.startsWith('(-o --output)--output[') && spec.endsWith(':directory:_files -/')));
  });
});
