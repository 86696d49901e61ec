import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from './exit-codes.js';
import { readIfPresent, writePrivateFile } from './private-file.js';

/**
 * The private half of one request's key pair, as `passdrop request` keeps it on this machine
 * (docs/requests-encryption.md): the requester key (JWK `d`, 43 base64url characters) and the public key
 * it belongs to (87 characters), which is what answers are bound to.
 */
export interface StoredRequesterKey {
  /** The server's normalised base URL. */
  readonly server: string;
  /** The request's link token (22 base64url characters). */
  readonly token: string;
  readonly publicKey: string;
  readonly requesterKey: string;
  /** The request's name for your records (may be empty). */
  readonly name: string;
  /** ISO 8601 time the key was made or added here. */
  readonly savedAt: string;
}

interface KeyFile {
  readonly keys: StoredRequesterKey[];
}

/**
 * Where requester keys live: `$XDG_DATA_HOME/passdrop/request-keys.json`, or
 * `~/.local/share/passdrop/request-keys.json` when XDG_DATA_HOME is unset or not absolute (XDG Base
 * Directory Specification: keys are data, not configuration). Directory 0700, file 0600.
 */
export function requesterKeyFilePath(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_DATA_HOME;
  const base = xdg && xdg.startsWith('/') ? xdg : join(env.HOME || homedir(), '.local', 'share');
  return join(base, 'passdrop', 'request-keys.json');
}

function readKeyFile(path: string): KeyFile {
  const text = readIfPresent(path);
  if (text === undefined) return { keys: [] };
  try {
    const parsed = JSON.parse(text) as Partial<KeyFile>;
    const keys = (parsed.keys ?? []).filter(
      (entry): entry is StoredRequesterKey =>
        typeof entry?.server === 'string' && typeof entry.token === 'string' && typeof entry.publicKey === 'string' && typeof entry.requesterKey === 'string',
    );
    return { keys };
  } catch {
    // Never overwrite a file of keys we cannot read: answers would become unreadable for good.
    throw new CliError(`${path} is not valid JSON. Fix it (it holds requester keys: do not delete it lightly).`, EXIT.failure);
  }
}

/** The keys kept here for `server` (all servers when undefined), newest last. */
export function storedRequesterKeys(path: string, server?: string): StoredRequesterKey[] {
  return readKeyFile(path).keys.filter((entry) => server === undefined || entry.server === server);
}

/** The key kept here for one request, if any. */
export function findRequesterKey(path: string, server: string, token: string): StoredRequesterKey | undefined {
  return readKeyFile(path).keys.find((entry) => entry.server === server && entry.token === token);
}

/** Keeps a requester key (replacing one kept for the same request), mode 0600. */
export function saveRequesterKey(path: string, key: StoredRequesterKey): void {
  const keys = readKeyFile(path).keys.filter((entry) => !(entry.server === key.server && entry.token === key.token));
  writePrivateFile(path, `${JSON.stringify({ keys: [...keys, key] }, null, 2)}\n`);
}
