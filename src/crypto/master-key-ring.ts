import { createHash, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PassdropConfig } from '../config/load-config.js';

export interface MasterKey {
  /** A public fingerprint of the key, stored beside everything it wraps so old keys can be found. */
  readonly id: string;
  readonly key: Buffer;
}

export interface MasterKeyRing {
  readonly current: MasterKey;
  /** The current key first, then the previous ones. */
  readonly all: readonly MasterKey[];
  byId(id: string): MasterKey | undefined;
}

export type MasterKeySource =
  | { kind: 'environment' }
  | { kind: 'file'; path: string }
  | { kind: 'generated'; path: string }
  | { kind: 'data-dir'; path: string };

export type ResolveMasterKeysResult =
  | { ok: true; ring: MasterKeyRing; source: MasterKeySource }
  | { ok: false; problems: string[] };

export const GENERATED_KEY_FILE = 'master.key';
const KEY_HELP = 'a master key is 64 hexadecimal characters (256 bits), e.g. the output of `openssl rand -hex 32`';

/**
 * Finds the master key: PASSDROP_MASTER_KEY, else PASSDROP_MASTER_KEY_FILE, else DATA_DIR/master.key,
 * generating that file (mode 0600) on first start. There is no built-in key.
 *
 * @example
 * const result = resolveMasterKeys(config);
 * if (result.ok) encryptWith(result.ring.current);
 */
export function resolveMasterKeys(config: Pick<PassdropConfig, 'masterKey' | 'dataDir'>): ResolveMasterKeysResult {
  const problems: string[] = [];
  let currentHex: string | undefined;
  let source: MasterKeySource | undefined;

  if (config.masterKey.key !== undefined) {
    currentHex = config.masterKey.key;
    source = { kind: 'environment' };
  } else if (config.masterKey.file !== undefined) {
    const path = config.masterKey.file;
    try {
      currentHex = readFileSync(path, 'utf8');
      source = { kind: 'file', path };
    } catch (error) {
      problems.push(`PASSDROP_MASTER_KEY_FILE: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  } else {
    const path = join(config.dataDir, GENERATED_KEY_FILE);
    try {
      const created = createKeyFileOnce(path);
      currentHex = readFileSync(path, 'utf8');
      source = created ? { kind: 'generated', path } : { kind: 'data-dir', path };
    } catch (error) {
      problems.push(`cannot create or read the master key file ${path}: ${(error as Error).message}`);
    }
  }

  const keys: MasterKey[] = [];
  if (currentHex !== undefined) {
    const parsed = parseKey(currentHex);
    if (parsed) keys.push(parsed);
    else problems.push(`${describeSource(source)} is malformed: ${KEY_HELP}`);
  }
  config.masterKey.previous.forEach((hex, index) => {
    const parsed = parseKey(hex);
    if (parsed) keys.push(parsed);
    else problems.push(`PASSDROP_MASTER_KEY_PREVIOUS entry ${index + 1} is malformed: ${KEY_HELP}`);
  });

  if (problems.length > 0 || keys.length === 0 || source === undefined) return { ok: false, problems };
  const byId = new Map(keys.map((key) => [key.id, key]));
  const ring: MasterKeyRing = {
    current: keys[0]!,
    all: keys,
    byId: (id) => byId.get(id),
  };
  return { ok: true, ring, source };
}

export function masterKeyFromHex(hex: string): MasterKey {
  const key = parseKey(hex);
  if (!key) throw new Error(KEY_HELP);
  return key;
}

function parseKey(text: string): MasterKey | undefined {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined;
  const key = Buffer.from(hex, 'hex');
  const id = createHash('sha256').update('passdrop:master-key-id:').update(key).digest('hex').slice(0, 16);
  return { id, key };
}

function describeSource(source: MasterKeySource | undefined): string {
  switch (source?.kind) {
    case 'environment':
      return 'PASSDROP_MASTER_KEY';
    case 'file':
    case 'generated':
    case 'data-dir':
      return `the master key in ${source.path}`;
    default:
      return 'the master key';
  }
}

/**
 * Writes a fresh key to a temporary file and hard-links it into place, so two processes starting at once
 * can never see a half-written key: exactly one link succeeds, the other reads the winner's file.
 */
function createKeyFileOnce(path: string): boolean {
  mkdirSync(join(path, '..'), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}
