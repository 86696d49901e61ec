// `npm run bench:uploads`: a 1 GiB file (BENCH_FILE_MIB to change) through a built Passdrop server: a
// resumable end-to-end upload with tus-js-client (16 MiB requests, the CLI's way), a push made of it, a
// reveal and the download, checked by SHA-256. Prints MiB/s for each direction, the time to the
// download's first byte and the server's RSS above idle at its peak; then the same bytes through a bare
// node:http server streaming them to and from disk (bench/bare-file-server.mjs: one streamed PUT, one
// GET; run before and after Passdrop, the faster counts) in the same run, and each direction's ratio to it. Figures, never assertions.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import * as tus from 'tus-js-client';
import { residentMegabytes, startPassdrop, startTarget, stopTarget } from './bench-support.js';

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
let passdropSeconds = { upload: Number.NaN, download: Number.NaN };
const target = await startPassdrop(undefined, {
  PASSDROP_FILE_PUSHES_ANONYMOUS: 'true',
  PASSDROP_FILE_MAX_FILE_MIB: String(Math.ceil(TOTAL / MIB) + 1),
  PASSDROP_FILE_MAX_PUSH_MIB: String(Math.ceil(TOTAL / MIB) + 1),
  PASSDROP_FILE_MIN_FREE_DISK_MIB: '0',
  PASSDROP_API_LIMIT_PER_IP: '1000000',
});
try {
  const idle = residentMegabytes(target.child.pid).now;
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, residentMegabytes(target.child.pid).now)), 100);

  const sent = createHash('sha256');
  const uploadStarted = performance.now();
  const uploadUrl = await new Promise<string>((resolve, reject) => {
    const upload = new tus.Upload(source(sent), {
      endpoint: `${target.url}${API}/uploads`,
      uploadSize: TOTAL,
      chunkSize: 16 * MIB,
      metadata: { mode: 'e2e' },
      retryDelays: [],
      onError: reject,
      onSuccess: () => resolve(upload.url!),
    });
    upload.start();
  });
  const uploadSeconds = (performance.now() - uploadStarted) / 1000;
  const uploadPeak = peak;

  const created = await fetch(`${target.url}${API}/pushes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'file', encryption: 'client', files: [{ upload_id: uploadUrl.split('/').pop(), sealed_metadata: 'AAAA' }] }),
  });
  const push = (await created.json()) as { token: string };
  const view = (await (await fetch(`${target.url}${API}/pushes/${push.token}/reveal`, { method: 'POST' })).json()) as { files: Array<{ url: string }> };

  peak = residentMegabytes(target.child.pid).now;
  const downloadStarted = performance.now();
  const { digest: receivedDigest, firstByte } = await receive(await fetch(view.files[0]!.url), downloadStarted);
  const downloadSeconds = (performance.now() - downloadStarted) / 1000;
  clearInterval(sampler);

  const mib = TOTAL / MIB;
  console.log(`file: ${mib} MiB, end to end (tus upload in 16 MiB requests, streamed download)`);
  console.log(`upload:   ${(mib / uploadSeconds).toFixed(1)} MiB/s (${uploadSeconds.toFixed(1)} s, including the join of the pieces); server RSS peak ${(uploadPeak - idle).toFixed(0)} MiB above idle (${idle.toFixed(0)} MiB)`);
  console.log(`download: ${(mib / downloadSeconds).toFixed(1)} MiB/s (${downloadSeconds.toFixed(1)} s), first byte after ${firstByte.toFixed(0)} ms; server RSS peak ${(peak - idle).toFixed(0)} MiB above idle`);
  console.log(`SHA-256 ${sent.digest('hex') === receivedDigest ? 'matches' : 'DIFFERS'}`);
  passdropSeconds = { upload: uploadSeconds, download: downloadSeconds };
} finally {
  await stopTarget(target);
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
console.log(`upload:   ${(mib / bare.uploadSeconds).toFixed(1)} MiB/s (${bare.uploadSeconds.toFixed(1)} s); Passdrop's ratio ${(bare.uploadSeconds / passdropSeconds.upload).toFixed(2)}`);
console.log(`download: ${(mib / bare.downloadSeconds).toFixed(1)} MiB/s (${bare.downloadSeconds.toFixed(1)} s), first byte after ${bare.firstByte.toFixed(0)} ms; Passdrop's ratio ${(bare.downloadSeconds / passdropSeconds.download).toFixed(2)}`);
console.log(`SHA-256 ${bare.intact ? 'matches' : 'DIFFERS'}`);
