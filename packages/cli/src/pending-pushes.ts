import { readdirSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from './exit-codes.js';
import { readIfPresent, writePrivateFile } from './private-file.js';

/**
 * One file of a file push whose upload may be continued by a later `passdrop resume`. What continues a
 * record stream (docs/file-encryption.md) is its salt, its record size and the plaintext: the tus offset
 * (asked of the server, which is the authority on it) names the record to start at, and each record is
 * sealed again under its own nonce, giving the same bytes. That is safe only for the same plaintext, so
 * the file's size, modification time and SHA-256 are kept to refuse a file that changed.
 */
export interface PendingFile {
  /** Absolute path. */
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  /** Hex SHA-256 of the contents when the push started. */
  readonly sha256: string;
  /** The record stream's 32-byte salt, base64url. */
  readonly salt: string;
  readonly recordSize: number;
  /** The tus upload URL once the server made one (null before). */
  uploadUrl: string | null;
  /** Bytes the server had acknowledged when this file was last saved (for the list only). */
  sent: number;
  /** Set once the whole record stream is on the server: the upload id and the sealed name/type/size. */
  uploaded: { readonly uploadId: string; readonly sealedMetadata: string } | null;
}

/**
 * An interrupted file push, as kept in `$XDG_STATE_HOME/passdrop/uploads/<id>.json` (mode 0600, directory
 * 0700) from the moment its first upload starts until the push exists or is cancelled. It holds the link
 * secret and the file root (the keys of every file): whoever reads it can read the files once pushed.
 */
export interface PendingPush {
  readonly version: 1;
  readonly id: string;
  /** The server's normalised base URL. */
  readonly server: string;
  /** ISO 8601 time the push started. */
  readonly startedAt: string;
  /** The link secret (after # in the link), base64url. */
  readonly linkSecret: string;
  /** The push's file root (deriveE2eFileRoot), base64url: the files' keys without the passphrase. */
  readonly fileRoot: string;
  /** The create request without its files: the sealed message, proofs and lifecycle settings. */
  readonly body: Record<string, unknown>;
  /** How push printed its result, so resume prints the same. */
  readonly output: { readonly json: boolean; readonly qr: boolean };
  readonly files: PendingFile[];
}

/**
 * Where interrupted pushes are kept: `$XDG_STATE_HOME/passdrop/uploads/`, or `~/.local/state/passdrop/uploads/`
 * when XDG_STATE_HOME is unset or not absolute (XDG Base Directory Specification: state that outlives a
 * run but is neither configuration nor data worth a backup).
 */
export function pendingPushDirectory(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'passdrop', 'uploads');
}

const ID_PATTERN = /^[0-9a-f]{12}$/;

/** A new id for a pending push: 12 hex characters, short enough to type. */
export function newPendingPushId(): string {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(6))).toString('hex');
}

function fileOf(directory: string, id: string): string {
  if (!ID_PATTERN.test(id)) throw new CliError(`"${id}" is not the id of an interrupted push (12 hex characters; see passdrop resume --list).`, EXIT.usage);
  return join(directory, `${id}.json`);
}

/** Saves (or replaces) a pending push, readable by its owner only. */
export function savePendingPush(directory: string, pending: PendingPush): void {
  writePrivateFile(fileOf(directory, pending.id), `${JSON.stringify(pending, null, 2)}\n`);
}

/** Forgets a pending push (the push exists now, or was cancelled); a missing file is fine. */
export function removePendingPush(directory: string, id: string): void {
  try {
    unlinkSync(fileOf(directory, id));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Whether pending push `id` is kept here. */
export function pendingPushExists(directory: string, id: string): boolean {
  return readIfPresent(fileOf(directory, id)) !== undefined;
}

/** One pending push by id; a usage error when there is none. */
export function readPendingPush(directory: string, id: string): PendingPush {
  const text = readIfPresent(fileOf(directory, id));
  if (text === undefined) throw new CliError(`No interrupted push ${id} here (see passdrop resume --list).`, EXIT.notFound);
  return parsePending(text, id);
}

/** Every pending push kept here, oldest first. */
export function listPendingPushes(directory: string): PendingPush[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names
    .filter((name) => name.endsWith('.json') && ID_PATTERN.test(name.slice(0, -5)))
    .map((name) => readPendingPush(directory, name.slice(0, -5)))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

function parsePending(text: string, id: string): PendingPush {
  try {
    const parsed = JSON.parse(text) as PendingPush;
    if (parsed.version !== 1 || parsed.id !== id || !Array.isArray(parsed.files) || typeof parsed.linkSecret !== 'string') throw new Error('shape');
    return parsed;
  } catch {
    throw new CliError(`The interrupted push ${id} cannot be read (not a file this version wrote). Cancel it with passdrop resume --cancel ${id}.`, EXIT.failure);
  }
}
