// `npm run bench:uploads`: a 1 GiB file (BENCH_FILE_MIB to change) through a built Passdrop server on two
// paths: end to end (a resumable upload with tus-js-client in 16 MiB requests, the CLI's way, a push made
// of it, a reveal and the download) and server-side (one multipart POST /f.json as a Password Pusher
// client sends it, sealed at rest by the server, and the download it opens), checked by SHA-256. Prints MiB/s for each direction, the time to the
// download's first byte and the server's RSS above idle at its peak; then the same bytes through a bare
// node:http server streaming them to and from disk (bench/bare-file-server.mjs: one streamed PUT, one
// GET; run before and after Passdrop, the faster counts) in the same run, and each direction's ratio to it. Figures, never assertions.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { createWriteStream, mkdtempSync, openAsBlob, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tus from 'tus-js-client';
import { createAccountService } from '../src/accounts/account-service.js';
import { createAccountStore } from '../src/accounts/account-store.js';
import { openDatabase } from '../src/storage/open-database.js';
import { residentMegabytes, startPassdrop, startTarget, stopTarget, type Target } from './bench-support.js';

const MIB = 1024 * 1024;
const TOTAL = Number(process.env.BENCH_FILE_MIB ?? 1024) * MIB;
const API = '/api/passdrop/v1';
const block = randomBytes(4 * MIB);

/** TOTAL bytes from one random block, in 1 MiB chunks, hashed on the way. */
function source(hash: ReturnType<typeof createHash>): Readable {
  let produced = 0;
  return new Readable({
    read() {
      if (produced >= TOTAL) return this.push(null);
      const length = Math.min(MIB, TOTAL - produced);
      const chunk = block.subarray(produced % (block.length - MIB), (produced % (block.length - MIB)) + length);
      produced += length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
}

/** Streams `response`'s body through a SHA-256; resolves with the digest and the time to the first byte. */
async function receive(response: Response, started: number): Promise<{ digest: string; firstByte: number }> {
  const received = createHash('sha256');
  let firstByte = Number.NaN;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (Number.isNaN(firstByte)) firstByte = performance.now() - started;
    received.update(chunk);
  }
  return { digest: received.digest('hex'), firstByte };
}

/** The same bytes through the bare node:http server: seconds up and down, and whether they came back intact. */
async function bareTransfer(): Promise<{ uploadSeconds: number; downloadSeconds: number; firstByte: number; intact: boolean }> {
  const bare = await startTarget('bare node:http (files)', process.execPath, ['bench/bare-file-server.mjs']);
  try {
    const sent = createHash('sha256');
    const uploadStarted = performance.now();
    const put = await fetch(`${bare.url}/file`, { method: 'PUT', body: Readable.toWeb(source(sent)) as ReadableStream<Uint8Array>, duplex: 'half' } as RequestInit);
    await put.arrayBuffer();
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;
    const downloadStarted = performance.now();
    const { digest, firstByte } = await receive(await fetch(`${bare.url}/file`), downloadStarted);
    const downloadSeconds = (performance.now() - downloadStarted) / 1000;
    return { uploadSeconds, downloadSeconds, firstByte, intact: put.status === 201 && digest === sent.digest('hex') };
  } finally {
    await stopTarget(bare);
  }
}

// The yardstick runs once before Passdrop and once after it (never beside it: the machine has two cores),
// and the faster run in each direction counts, so a passing burst of load elsewhere skews it less.
const bareBefore = await bareTransfer();
const scratch = mkdtempSync(join(tmpdir(), 'passdrop-upload-bench-'));
const databaseFile = join(scratch, 'bench.sqlite');
const target = await startPassdrop(`sqlite:${databaseFile}`, {
  PASSDROP_FILE_PUSHES_ANONYMOUS: 'true',
  PASSDROP_FILE_MAX_FILE_MIB: String(Math.ceil(TOTAL / MIB) + 1),
  PASSDROP_FILE_MAX_PUSH_MIB: String(Math.ceil(TOTAL / MIB) + 1),
  PASSDROP_FILE_ACCOUNT_QUOTA_MIB: String(4 * Math.ceil(TOTAL / MIB)),
  PASSDROP_FILE_MIN_FREE_DISK_MIB: '0',
  PASSDROP_API_LIMIT_PER_IP: '1000000',
});

/** An account and an API token for it, made in the server's database (Password Pusher's /f.json needs one, as there). */
async function apiToken(): Promise<string> {
  const database = openDatabase({ kind: 'sqlite', path: databaseFile });
  try {
    const accounts = createAccountService({ store: createAccountStore(database), clock: Date.now });
    const added = await accounts.addUser('bench@example.com', 'a long enough bench password', { admin: false });
    if (!added.ok) throw new Error('could not add the bench account');
    const created = await accounts.createApiToken('bench@example.com');
    if (created === 'no_such_user') throw new Error('the bench account went missing');
    return created.token;
  } finally {
    await database.close();
  }
}

/** One path's figures: seconds each way, the download's first byte, RSS peaks above idle, whether the bytes match. */
interface PathFigures {
  readonly uploadSeconds: number;
  readonly downloadSeconds: number;
  readonly firstByte: number;
  readonly uploadPeak: number;
  readonly downloadPeak: number;
  readonly intact: boolean;
}

/** Samples the server's RSS every 100 ms; `peak()` answers the highest since the last `reset()`, above idle. */
function rssSampler(pid: number | undefined) {
  const idle = residentMegabytes(pid).now;
  let peak = idle;
  const timer = setInterval(() => (peak = Math.max(peak, residentMegabytes(pid).now)), 100);
  return {
    idle,
    peak: () => Math.max(peak, residentMegabytes(pid).now) - idle,
    reset: () => (peak = residentMegabytes(pid).now),
    stop: () => clearInterval(timer),
  };
}

/**
 * Times one path: `upload` (timed, with the server's RSS peak), then `downloadUrl` (untimed: making and
 * viewing the push), then the download of that URL hashed against `sent`.
 */
async function measurePath(target: Target, sent: Hash, steps: { upload(): Promise<void>; downloadUrl(): Promise<string> }): Promise<PathFigures> {
  const rss = rssSampler(target.child.pid);
  try {
    const uploadStarted = performance.now();
    await steps.upload();
    const uploadSeconds = (performance.now() - uploadStarted) / 1000;
    const uploadPeak = rss.peak();
    const url = await steps.downloadUrl();
    rss.reset();
    const downloadStarted = performance.now();
    const { digest, firstByte } = await receive(await fetch(url), downloadStarted);
    const downloadSeconds = (performance.now() - downloadStarted) / 1000;
    return { uploadSeconds, downloadSeconds, firstByte, uploadPeak, downloadPeak: rss.peak(), intact: sent.digest('hex') === digest };
  } finally {
    rss.stop();
  }
}

/** The end-to-end path: a resumable tus upload of the (already sealed) bytes, a push, a reveal, the download. */
function endToEnd(target: Target): Promise<PathFigures> {
  const sent = createHash('sha256');
  let uploadUrl = '';
  return measurePath(target, sent, {
    upload: () =>
      new Promise<void>((resolve, reject) => {
        const upload = new tus.Upload(source(sent), {
          endpoint: `${target.url}${API}/uploads`,
          uploadSize: TOTAL,
          chunkSize: 16 * MIB,
          metadata: { mode: 'e2e' },
          retryDelays: [],
          onError: reject,
          onSuccess: () => {
            uploadUrl = upload.url!;
            resolve();
          },
        });
        upload.start();
      }),
    async downloadUrl() {
      const created = await fetch(`${target.url}${API}/pushes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'file', encryption: 'client', files: [{ upload_id: uploadUrl.split('/').pop(), sealed_metadata: 'AAAA' }] }),
      });
      const push = (await created.json()) as { token: string };
      const view = (await (await fetch(`${target.url}${API}/pushes/${push.token}/reveal`, { method: 'POST' })).json()) as { files: Array<{ url: string }> };
      return view.files[0]!.url;
    },
  });
}

/**
 * The server-side path, as a plain Password Pusher client uses it: one multipart POST /f.json streamed from a
 * file on disk (the server seals it as it arrives), a view of /p/:token.json, and the download the server
 * opens on the way out.
 */
async function serverSide(target: Target, directory: string, token: string): Promise<PathFigures> {
  const path = join(directory, 'server-side.bin');
  const sent = createHash('sha256');
  await pipeline(source(sent), createWriteStream(path));
  let pushToken = '';
  try {
    return await measurePath(target, sent, {
      async upload() {
        const form = new FormData();
        form.append('file_push[expire_after_views]', '1');
        form.append('file_push[files][]', await openAsBlob(path), 'server-side.bin');
        const created = await fetch(`${target.url}/f.json`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
        const push = (await created.json()) as { url_token: string };
        if (created.status !== 201) throw new Error(`/f.json answered ${created.status}: ${JSON.stringify(push)}`);
        pushToken = push.url_token;
      },
      async downloadUrl() {
        const view = (await (await fetch(`${target.url}/p/${pushToken}.json`)).json()) as { files: Array<{ url: string }> };
        return view.files[0]!.url;
      },
    });
  } finally {
    rmSync(path, { force: true });
  }
}

const paths: Array<[string, PathFigures]> = [];
try {
  paths.push(['end to end (tus upload in 16 MiB requests, streamed download)', await endToEnd(target)]);
  paths.push(['server-side (one multipart POST /f.json, sealed and opened by the server)', await serverSide(target, scratch, await apiToken())]);
} finally {
  await stopTarget(target);
  rmSync(scratch, { recursive: true, force: true });
}

const bareAfter = await bareTransfer();
const bare = {
  uploadSeconds: Math.min(bareBefore.uploadSeconds, bareAfter.uploadSeconds),
  downloadSeconds: Math.min(bareBefore.downloadSeconds, bareAfter.downloadSeconds),
  firstByte: Math.min(bareBefore.firstByte, bareAfter.firstByte),
  intact: bareBefore.intact && bareAfter.intact,
};
const mib = TOTAL / MIB;
console.log(`bare node:http, the same ${mib} MiB streamed to and from disk (one PUT, one GET; the faster of a run before and one after Passdrop):`);
console.log(`upload:   ${(mib / bare.uploadSeconds).toFixed(1)} MiB/s (${bare.uploadSeconds.toFixed(1)} s); download: ${(mib / bare.downloadSeconds).toFixed(1)} MiB/s (${bare.downloadSeconds.toFixed(1)} s), first byte after ${bare.firstByte.toFixed(0)} ms; SHA-256 ${bare.intact ? 'matches' : 'DIFFERS'}`);
for (const [label, figures] of paths) {
  console.log(`\nPassdrop, ${mib} MiB, ${label}:`);
  console.log(`upload:   ${(mib / figures.uploadSeconds).toFixed(1)} MiB/s (${figures.uploadSeconds.toFixed(1)} s), ratio to bare ${(bare.uploadSeconds / figures.uploadSeconds).toFixed(2)}; server RSS peak ${figures.uploadPeak.toFixed(0)} MiB above idle`);
  console.log(`download: ${(mib / figures.downloadSeconds).toFixed(1)} MiB/s (${figures.downloadSeconds.toFixed(1)} s), ratio to bare ${(bare.downloadSeconds / figures.downloadSeconds).toFixed(2)}, first byte after ${figures.firstByte.toFixed(0)} ms; server RSS peak ${figures.downloadPeak.toFixed(0)} MiB above idle`);
  console.log(`SHA-256 ${figures.intact ? 'matches' : 'DIFFERS'}`);
}
