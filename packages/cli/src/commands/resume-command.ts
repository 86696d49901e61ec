import { basename } from 'node:path';
import * as tus from 'tus-js-client';
import { connectServer } from '../connect-server.js';
import { CliError, EXIT } from '../exit-codes.js';
import { listPendingPushes, pendingPushDirectory, readPendingPush, removePendingPush, type PendingPush } from '../pending-pushes.js';
import { loadConfig, notice, tokenFor, type ServerOptions } from '../server-selection.js';
import { tableTime, textTable } from '../text-table.js';
import { progressReporter, report, whileResumable } from './push-command.js';

export interface ResumeOptions extends ServerOptions {
  readonly list?: boolean;
  readonly all?: boolean;
  readonly cancel?: boolean;
}

/**
 * `passdrop resume [ID]`: finishes file pushes an earlier `passdrop push` could not (Ctrl-C, a lost
 * connection, a killed process), continuing each upload where the server stopped, and prints each link as
 * push would have. `--list` shows them, `--all` finishes every one, `--cancel ID` gives one up.
 */
export async function resumeCommand(id: string | undefined, options: ResumeOptions): Promise<void> {
  const directory = pendingPushDirectory(process.env);
  if (options.cancel) {
    if (!id) throw new CliError('Which push? passdrop resume --cancel ID (see passdrop resume --list).', EXIT.usage);
    await cancel(directory, id);
    return;
  }
  if (options.list) {
    listPending(listPendingPushes(directory));
    return;
  }
  let chosen: PendingPush[];
  if (id) chosen = [readPendingPush(directory, id)];
  else {
    const pending = listPendingPushes(directory);
    if (pending.length === 0) {
      notice('No interrupted pushes to finish.');
      return;
    }
    if (pending.length > 1 && !options.all) {
      listPending(pending);
      throw new CliError(`${pending.length} interrupted pushes: name one (passdrop resume ID) or pass --all.`, EXIT.usage);
    }
    chosen = pending;
  }
  for (const pending of chosen) await finish(directory, pending, options);
}

async function finish(directory: string, pending: PendingPush, options: ResumeOptions): Promise<void> {
  const { config } = loadConfig();
  const server = await connectServer(pending.server, { token: tokenFor(pending.server, options, config), api: 'passdrop', onNotice: notice });
  if (!server.resumeFilePush) throw new CliError(`${pending.server} cannot finish file pushes.`, EXIT.usage);
  const done = pending.files.filter((file) => file.uploaded).length;
  notice(`Finishing push ${pending.id} to ${pending.server}: ${done} of ${pending.files.length} files were uploaded.`);
  const progress = progressReporter(
    pending.files.map((file) => file.path),
    pending.files.map((file) => file.size),
  );
  const created = await whileResumable(directory, pending.id, false, () => server.resumeFilePush!(pending, directory, progress));
  await report(created, server, { ...pending.output, kind: 'file' });
}

function listPending(pending: readonly PendingPush[]): void {
  if (pending.length === 0) {
    notice('No interrupted pushes to finish.');
    return;
  }
  const rows = [['ID', 'STARTED', 'SERVER', 'UPLOADED', 'FILES']];
  for (const push of pending) {
    const total = push.files.reduce((sum, file) => sum + file.size, 0);
    const sent = push.files.reduce((sum, file) => sum + (file.uploaded ? file.size : Math.min(file.size, file.sent)), 0);
    rows.push([
      push.id,
      tableTime(push.startedAt),
      push.server,
      `${total === 0 ? 100 : Math.floor((sent / total) * 100)}%`,
      push.files.map((file) => basename(file.path)).join(', '),
    ]);
  }
  process.stdout.write(`${textTable(rows)}\n`);
}

/** Gives a pending push up: its uploads are deleted on the server (best effort; the server also sweeps them), its state here. */
async function cancel(directory: string, id: string): Promise<void> {
  let pending: PendingPush | undefined;
  try {
    pending = readPendingPush(directory, id);
  } catch (error) {
    // An unreadable state file is still removed; a missing one is the error to report.
    if (error instanceof CliError && error.exitCode === EXIT.notFound) throw error;
  }
  if (pending) {
    const { config } = loadConfig();
    const token = tokenFor(pending.server, {}, config);
    for (const file of pending.files) {
      if (file.uploadUrl === null) continue;
      await tus.Upload.terminate(file.uploadUrl, {
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}) },
        retryDelays: [],
      }).catch(() => undefined);
    }
  }
  removePendingPush(directory, id);
  notice(`Cancelled push ${id}: nothing more will be sent.`);
}
