/**
 * The list of settings. Add a setting here, map it in `load-config.ts`, then run `npm run docs`
 * to refresh the README table (a test fails while it is stale).
 */
import {
  checkBaseUrl,
  checkDatabaseUrl,
  checkProxyAddress,
  enumSetting,
  integerSetting,
  listSetting,
  stringSetting,
  type SettingDefinition,
} from './setting-definitions.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const MIB = 1024 * 1024;

export const settings = {
  PORT: integerSetting('PORT', 'Server', 'TCP port to listen on', 5100, { min: 0, max: 65535 }),
  HOST: stringSetting('HOST', 'Server', 'Address to listen on; use 127.0.0.1 to accept local connections only', '0.0.0.0'),
  PASSDROP_BASE_URL: stringSetting(
    'PASSDROP_BASE_URL',
    'Server',
    'Public URL used in generated links, e.g. https://secrets.example.com. When unset, scheme and host come from the request (X-Forwarded-* only from TRUSTED_PROXIES)',
    undefined,
    { check: checkBaseUrl },
  ),
  TRUSTED_PROXIES: listSetting(
    'TRUSTED_PROXIES',
    'Server',
    'Comma-separated IPs or CIDR ranges (or loopback, linklocal, uniquelocal) of reverse proxies whose X-Forwarded-For/-Proto/-Host headers are believed. Empty: none',
    checkProxyAddress,
  ),
  PASSDROP_BODY_LIMIT_BYTES: integerSetting(
    'PASSDROP_BODY_LIMIT_BYTES',
    'Server',
    'Largest request body accepted, in bytes; larger bodies get 413',
    8 * MIB,
    { min: 1024, max: 1024 * MIB },
  ),
  PASSDROP_SHUTDOWN_TIMEOUT_SECONDS: integerSetting(
    'PASSDROP_SHUTDOWN_TIMEOUT_SECONDS',
    'Server',
    'On SIGTERM/SIGINT, how long in-flight requests may take to finish before the process exits anyway',
    25,
    { min: 1, max: 3600 },
  ),
  DATABASE_URL: stringSetting(
    'DATABASE_URL',
    'Database',
    'sqlite:PATH for an embedded SQLite file, or postgres://user:password@host:5432/database',
    'sqlite:./data/passdrop.sqlite',
    { check: checkDatabaseUrl },
  ),
  DATABASE_POOL_SIZE: integerSetting('DATABASE_POOL_SIZE', 'Database', 'PostgreSQL connections per process', 10, {
    min: 1,
    max: 200,
  }),
  PASSDROP_DATA_DIR: stringSetting(
    'PASSDROP_DATA_DIR',
    'Database',
    'Directory for files Passdrop creates (the generated master key)',
    './data',
  ),
  LOG_LEVEL: enumSetting('LOG_LEVEL', 'Logging', 'Log verbosity; logs are JSON lines on stdout', LOG_LEVELS, 'info'),
  PASSDROP_MASTER_KEY: stringSetting(
    'PASSDROP_MASTER_KEY',
    'Encryption',
    'The 256-bit master key as 64 hex characters. When neither this nor PASSDROP_MASTER_KEY_FILE is set, a key is generated on first start into PASSDROP_DATA_DIR/master.key (mode 0600)',
    undefined,
    { secret: true },
  ),
  PASSDROP_MASTER_KEY_FILE: stringSetting(
    'PASSDROP_MASTER_KEY_FILE',
    'Encryption',
    'Path of a file holding the master key (64 hex characters), e.g. a Docker or Kubernetes secret',
    undefined,
  ),
  PASSDROP_MASTER_KEY_PREVIOUS: stringSetting(
    'PASSDROP_MASTER_KEY_PREVIOUS',
    'Encryption',
    'Comma-separated earlier master keys, still accepted for reading during a key rotation',
    undefined,
    { secret: true },
  ),
} satisfies Record<string, SettingDefinition<never> | SettingDefinition<unknown>>;

export type SettingName = keyof typeof settings;
export type SettingValues = { [K in SettingName]: (typeof settings)[K]['defaultValue'] };

export const settingList: readonly SettingDefinition[] = Object.values(settings) as SettingDefinition[];
