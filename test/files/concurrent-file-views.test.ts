import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { accountWithToken } from '../support/account-tokens.js';
import { spawnPassdrop, type PassdropProcess } from '../support/spawn-passdrop.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from '../support/test-databases.js';
import { testServerEnvironment } from '../support/test-server.js';

const ATTEMPTS = 100;
const PROCESSES = 3;
const MIB = 1024 * 1024;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface Attempt {
  /** The view answered with the push's files. */
  readonly sawFiles: boolean;
  /** SHA-256 of each file this attempt downloaded (empty when it saw none). */
  readonly downloaded: string[];
  readonly statuses: number[];
}

for (const kind of ['sqlite', 'postgres'] as DatabaseKind[]) {
  describe(`a 1-view file push under ${ATTEMPTS} simultaneous views and downloads, ${PROCESSES} processes sharing one ${kind} database`, () => {
    let database: TestDatabase;
    let token: string;
    const children: PassdropProcess[] = [];
    const urls: string[] = [];

    before(async () => {
      database = await createTestDatabase(kind);
      token = await accountWithToken(database, 'race@example.com');
      // One environment for all: the same database, master key and data directory (disk storage shared).
      const env = testServerEnvironment(database, { PASSDROP_FILE_DOWNLOAD_WINDOW_MINUTES: '15' });
      for (let index = 0; index < PROCESSES; index += 1) children.push(spawnPassdrop(['serve'], env));
      urls.push(...(await Promise.all(children.map((child) => child.listening()))));
    });
    after(async () => {
      for (const child of children) child.child.kill('SIGTERM');
      await Promise.all(children.map((child) => child.exited()));
      await database?.drop();
    });

    /** One recipient: views the push on `base`, then downloads every file the view lists. */
    async function attempt(base: string, pushToken: string): Promise<Attempt> {
      const response = await fetch(`${base}/p/${pushToken}.json`);
      const body = (await response.json()) as { files?: Array<{ url: string }> };
      const files = body.files ?? [];
      const statuses = [response.status];
      const downloaded: string[] = [];
      for (const file of files) {
        const download = await fetch(file.url);
        statuses.push(download.status);
        if (download.ok) downloaded.push(sha256(new Uint8Array(await download.arrayBuffer())));
      }
      return { sawFiles: files.length > 0, downloaded, statuses };
    }

    it('gives the files to exactly one recipient, whichever process each one asks', async () => {
      for (let round = 0; round < 2; round += 1) {
        const files = [randomBytes(MIB + round), randomBytes(4096)];
        const form = new FormData();
        form.append('file_push[expire_after_views]', '1');
        files.forEach((bytes, index) => form.append('file_push[files][]', new Blob([new Uint8Array(bytes)]), `race-${round}-${index}.bin`));
        const created = await fetch(`${urls[round % urls.length]}/f.json`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
        assert.equal(created.status, 201, await created.clone().text());
        const pushToken = ((await created.json()) as { url_token: string }).url_token;

        const attempts = await Promise.all(Array.from({ length: ATTEMPTS }, (_, index) => attempt(urls[index % urls.length]!, pushToken)));
        const winners = attempts.filter((result) => result.sawFiles);
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} recipients saw the files`);
        assert.deepEqual(winners[0]!.downloaded, files.map(sha256), `round ${round}: the one recipient downloads both files intact`);
        assert.deepEqual([...new Set(attempts.flatMap((result) => result.statuses))], [200], `round ${round}: every view is answered (expired for all but one)`);
        assert.equal(attempts.reduce((sum, result) => sum + result.downloaded.length, 0), files.length, `round ${round}: no other download happened`);
      }
    });
  });
}
