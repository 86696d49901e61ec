import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { operationsConfig, type OperationsConfig } from './operations-settings.js';
import { notificationPolicy, type NotificationPolicy } from './notification-settings.js';
import { filePushPolicy, type FilePushPolicy } from './file-push-settings.js';
import { requestPolicy, type RequestPolicy } from './request-settings.js';
import { ssoPolicy, type SsoPolicy } from './sso-settings.js';
import { PUSH_KIND_PREFIXES, settingList, settings, type SettingValues } from './settings.js';

/** The push kinds that have their own settings (every kind). */
export type ConfiguredPushKind = keyof typeof PUSH_KIND_PREFIXES;

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      readonly poolSize: number;
      /** How long start-up keeps retrying a server that does not answer yet, in milliseconds; 0 or unset tries once. */
      readonly startupWaitMs?: number;
    };

/** Where file contents are kept (src/files/create-blob-store.ts). */
export type FileStorageConfig =
  | { readonly kind: 'disk' }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly region: string;
      readonly endpoint: string | undefined;
      readonly forcePathStyle: boolean;
      /** '' or segments ending with '/'. */
      readonly prefix: string;
      /** Undefined: the AWS SDK's default credential chain. */
      readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
    };

export interface PassdropConfig {
  readonly server: {
    readonly port: number;
    readonly host: string;
    readonly baseUrl: string | undefined;
    /**
     * The path part of PASSDROP_BASE_URL without its trailing slash ('' at the root, '/secrets' for
     * https://host/secrets/): every route is served under it and every link carries it.
     */
    readonly basePath: string;
    readonly trustedProxies: readonly string[];
    /**
     * Lowercased hosts (`name` or `name:port`) a request's Host may name when a response's links are built
     * from it; empty means any. PASSDROP_ALLOWED_HOSTS, else PASSDROP_BASE_URL's host.
     */
    readonly allowedHosts: readonly string[];
    readonly bodyLimitBytes: number;
    readonly shutdownTimeoutMs: number;
    /** Slow-client limits, in milliseconds (Node's http.Server requestTimeout, headersTimeout, keepAliveTimeout, connectionsCheckingInterval). */
    readonly timeouts: {
      readonly requestMs: number;
      readonly headersMs: number;
      readonly keepAliveMs: number;
      readonly checkIntervalMs: number;
    };
  };
  readonly database: DatabaseConfig;
  readonly dataDir: string;
  readonly logLevel: SettingValues['LOG_LEVEL'];
  readonly fileStorage: FileStorageConfig;
  readonly masterKey: {
    readonly key: string | undefined;
    readonly file: string | undefined;
    readonly previous: readonly string[];
  };
  readonly pushes: PushPolicy;
  /** File pushes: limits, quota, the download window (src/config/file-push-settings.ts). */
  readonly files: FilePushPolicy;
  /** Requests: asking someone to send a secret (src/config/request-settings.ts). */
  readonly requests: RequestPolicy;
  /** Webhooks, receipts and link emails (src/config/notification-settings.ts). */
  readonly notifications: NotificationPolicy;
  readonly accounts: {
    readonly allowAnonymous: boolean;
    readonly allowSignups: boolean;
    readonly allowLogins: boolean;
    readonly signupEmailPattern: RegExp | undefined;
    readonly requireMfa: boolean;
    readonly sessionHours: number;
    readonly signIn: { readonly maxFailures: number; readonly lockoutMinutes: number; readonly attemptsPerIp: number };
    /** Single sign-on (OIDC) and passkeys (src/config/sso-settings.ts). */
    readonly sso: SsoPolicy;
  };
  readonly mail: {
    /** Undefined when no SMTP server is configured: no confirmation or reset emails. */
    readonly smtpUrl: string | undefined;
    readonly from: string;
  };
  /** Rate limits, the public gateway mode, metrics (src/config/operations-settings.ts). */
  readonly operations: OperationsConfig;
  readonly brand: {
    readonly title: string;
    readonly tagline: string | undefined;
    readonly logoFile: string | undefined;
    readonly cssFile: string | undefined;
    readonly onDeliveryPages: boolean;
    /** PASSDROP_THEME: the built-in palette. */
    readonly theme: 'passdrop' | 'forest' | 'graphite' | 'violet';
    /** PASSDROP_COLOR_SCHEME: the scheme before a visitor picks one. */
    readonly colorScheme: 'system' | 'light' | 'dark';
    /** PASSDROP_BRAND_ACCENT: '#rrggbb', or undefined for the theme's own accent. */
    readonly accent: string | undefined;
  };
}

export interface Bounds {
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

export interface KindPolicy {
  readonly enabled: boolean;
  readonly expireAfterDays: Bounds;
  readonly expireAfterViews: Bounds;
  readonly retrievalStepDefault: boolean;
  /** `null` for kinds a viewer can never delete (URL). */
  readonly deletableByViewerDefault: boolean | null;
  readonly maxCharacters: number;
}

export interface PushPolicy {
  readonly kinds: Readonly<Record<ConfiguredPushKind, KindPolicy>>;
  readonly minExpiryMinutes: number;
  readonly passphraseAttemptsPerMinute: number;
  readonly passphraseMaxFailures: number;
  readonly auditEventsPerPush: number;
  /** 0 keeps expired pushes forever. */
  readonly purgeExpiredAfterDays: number;
  readonly sweepIntervalMs: number;
}

export type LoadConfigResult = { ok: true; config: PassdropConfig } | { ok: false; problems: string[] };

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Turns the environment (and the optional JSON settings file named by PASSDROP_CONFIG) into a typed,
 * frozen config. Every problem is collected so an operator can fix them all in one go.
 *
 * @example
 * const result = loadConfig(process.env);
 * if (!result.ok) { console.error(result.problems.join('\n')); process.exit(1); }
 */
export function loadConfig(env: Environment, cwd: string = process.cwd()): LoadConfigResult {
  const problems: string[] = [];
  const raw = { ...readSettingsFile(env, cwd, problems), ...definedEntries(env) };

  const values: Record<string, unknown> = {};
  for (const setting of settingList) {
    const text = raw[setting.name];
    if (text === undefined) {
      values[setting.name] = setting.defaultValue;
      continue;
    }
    const parsed = setting.parse(text);
    if (parsed.ok) {
      values[setting.name] = parsed.value ?? setting.defaultValue;
    } else {
      problems.push(`${setting.name} ${parsed.problem}`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const v = values as SettingValues;
  if (v.PASSDROP_MASTER_KEY !== undefined && v.PASSDROP_MASTER_KEY_FILE !== undefined) {
    problems.push('PASSDROP_MASTER_KEY and PASSDROP_MASTER_KEY_FILE are both set; set only one');
  }
  if (v.PASSDROP_HEADERS_TIMEOUT_SECONDS > v.PASSDROP_REQUEST_TIMEOUT_SECONDS) {
    problems.push(`PASSDROP_HEADERS_TIMEOUT_SECONDS (${v.PASSDROP_HEADERS_TIMEOUT_SECONDS}) must not be greater than PASSDROP_REQUEST_TIMEOUT_SECONDS (${v.PASSDROP_REQUEST_TIMEOUT_SECONDS})`);
  }
  if (v.PASSDROP_SMTP_URL !== undefined && v.PASSDROP_BASE_URL === undefined) {
    // Host-header poisoning: an emailed link built from the request's Host would point wherever the sender says.
    problems.push("PASSDROP_BASE_URL must be set when PASSDROP_SMTP_URL is: links in emails are built from it, never from a request's Host header");
  }
  const pushes = pushPolicy(values, problems);
  const requests = requestPolicy(v, pushes, problems);
  const notifications = notificationPolicy(v, problems);
  const fileStorage = fileStorageConfig(v, cwd, problems);
  const sso = ssoPolicy(v, env, cwd, problems);
  const files = filePushPolicy(v, problems);
  if (problems.length > 0) return { ok: false, problems };

  const config: PassdropConfig = {
    server: {
      port: v.PORT,
      host: v.HOST ?? '0.0.0.0',
      baseUrl: v.PASSDROP_BASE_URL?.replace(/\/+$/, ''),
      basePath: v.PASSDROP_BASE_URL === undefined ? '' : new URL(v.PASSDROP_BASE_URL).pathname.replace(/\/+$/, ''),
      trustedProxies: v.TRUSTED_PROXIES,
      allowedHosts: (v.PASSDROP_ALLOWED_HOSTS.length > 0
        ? v.PASSDROP_ALLOWED_HOSTS
        : v.PASSDROP_BASE_URL === undefined ? [] : [new URL(v.PASSDROP_BASE_URL).host]
      ).map((host) => host.toLowerCase()),
      bodyLimitBytes: v.PASSDROP_BODY_LIMIT_BYTES,
      shutdownTimeoutMs: v.PASSDROP_SHUTDOWN_TIMEOUT_SECONDS * 1000,
      timeouts: {
        requestMs: v.PASSDROP_REQUEST_TIMEOUT_SECONDS * 1000,
        headersMs: v.PASSDROP_HEADERS_TIMEOUT_SECONDS * 1000,
        keepAliveMs: v.PASSDROP_KEEP_ALIVE_TIMEOUT_SECONDS * 1000,
        checkIntervalMs: v.PASSDROP_CONNECTION_CHECK_SECONDS * 1000,
      },
    },
    database: databaseConfig(v.DATABASE_URL ?? settings.DATABASE_URL.defaultValue!, v.DATABASE_POOL_SIZE, v.PASSDROP_DATABASE_WAIT_SECONDS, cwd),
    dataDir: resolvePath(v.PASSDROP_DATA_DIR ?? './data', cwd),
    logLevel: v.LOG_LEVEL,
    fileStorage,
    masterKey: {
      key: v.PASSDROP_MASTER_KEY,
      file: v.PASSDROP_MASTER_KEY_FILE === undefined ? undefined : resolvePath(v.PASSDROP_MASTER_KEY_FILE, cwd),
      previous: (v.PASSDROP_MASTER_KEY_PREVIOUS ?? '')
        .split(',')
        .map((key) => key.trim())
        .filter((key) => key !== ''),
    },
    pushes,
    files,
    requests,
    notifications,
    accounts: {
      allowAnonymous: v.PASSDROP_ALLOW_ANONYMOUS,
      allowSignups: v.PASSDROP_ALLOW_SIGNUPS,
      allowLogins: v.PASSDROP_ALLOW_LOGINS,
      signupEmailPattern: v.PASSDROP_SIGNUP_EMAIL_PATTERN === undefined ? undefined : new RegExp(v.PASSDROP_SIGNUP_EMAIL_PATTERN, 'i'),
      requireMfa: v.PASSDROP_REQUIRE_MFA,
      sessionHours: v.PASSDROP_SESSION_HOURS,
      signIn: {
        maxFailures: v.PASSDROP_SIGN_IN_MAX_FAILURES,
        lockoutMinutes: v.PASSDROP_SIGN_IN_LOCKOUT_MINUTES,
        attemptsPerIp: v.PASSDROP_SIGN_IN_ATTEMPTS_PER_IP,
      },
      sso,
    },
    operations: operationsConfig(v),
    mail: { smtpUrl: v.PASSDROP_SMTP_URL, from: v.PASSDROP_MAIL_FROM ?? 'Passdrop <passdrop@localhost>' },
    brand: {
      title: v.PASSDROP_BRAND_TITLE ?? 'Passdrop',
      tagline: v.PASSDROP_BRAND_TAGLINE,
      logoFile: v.PASSDROP_BRAND_LOGO_FILE === undefined ? undefined : resolvePath(v.PASSDROP_BRAND_LOGO_FILE, cwd),
      cssFile: v.PASSDROP_BRAND_CSS_FILE === undefined ? undefined : resolvePath(v.PASSDROP_BRAND_CSS_FILE, cwd),
      onDeliveryPages: v.PASSDROP_BRAND_ON_DELIVERY_PAGES,
      theme: v.PASSDROP_THEME,
      colorScheme: v.PASSDROP_COLOR_SCHEME,
      accent: v.PASSDROP_BRAND_ACCENT?.toLowerCase(),
    },
  };
  for (const [name, path] of [['PASSDROP_BRAND_LOGO_FILE', config.brand.logoFile], ['PASSDROP_BRAND_CSS_FILE', config.brand.cssFile]] as const) {
    if (path !== undefined && !existsSync(path)) problems.push(`${name}: ${path} does not exist`);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: deepFreeze(config) };
}

function pushPolicy(values: Record<string, unknown>, problems: string[]): PushPolicy {
  const v = values as SettingValues;
  const maxCharacters: Record<ConfiguredPushKind, number> = {
    text: v.PASSDROP_TEXT_MAX_CHARACTERS,
    url: v.PASSDROP_URL_MAX_CHARACTERS,
    qr: v.PASSDROP_QR_MAX_CHARACTERS,
    // A file push's optional text message.
    file: v.PASSDROP_TEXT_MAX_CHARACTERS,
  };
  const kinds = Object.fromEntries(
    Object.entries(PUSH_KIND_PREFIXES).map(([kind, prefix]) => {
      const read = (suffix: string) => values[`PASSDROP_${prefix}_${suffix}`];
      const bounds = (what: string): Bounds => {
        const result = {
          default: read(`${what}_DEFAULT`) as number,
          min: read(`${what}_MIN`) as number,
          max: read(`${what}_MAX`) as number,
        };
        const name = `PASSDROP_${prefix}_${what}`;
        if (result.min > result.max) problems.push(`${name}_MIN (${result.min}) is greater than ${name}_MAX (${result.max})`);
        else if (result.default < result.min || result.default > result.max) {
          problems.push(`${name}_DEFAULT (${result.default}) must be between ${name}_MIN (${result.min}) and ${name}_MAX (${result.max})`);
        }
        return result;
      };
      const deletable = read('DELETABLE_BY_VIEWER_DEFAULT');
      const policy: KindPolicy = {
        enabled: read('PUSHES_ENABLED') as boolean,
        expireAfterDays: bounds('EXPIRE_AFTER_DAYS'),
        expireAfterViews: bounds('EXPIRE_AFTER_VIEWS'),
        retrievalStepDefault: read('RETRIEVAL_STEP_DEFAULT') as boolean,
        deletableByViewerDefault: deletable === undefined ? null : (deletable as boolean),
        maxCharacters: maxCharacters[kind as ConfiguredPushKind],
      };
      return [kind, policy];
    }),
  ) as Record<ConfiguredPushKind, KindPolicy>;
  return {
    kinds,
    minExpiryMinutes: v.PASSDROP_MIN_EXPIRY_MINUTES,
    passphraseAttemptsPerMinute: v.PASSDROP_PASSPHRASE_ATTEMPTS_PER_MINUTE,
    passphraseMaxFailures: v.PASSDROP_PASSPHRASE_MAX_FAILURES,
    auditEventsPerPush: v.PASSDROP_AUDIT_EVENTS_PER_PUSH,
    purgeExpiredAfterDays: v.PASSDROP_PURGE_EXPIRED_AFTER_DAYS,
    sweepIntervalMs: v.PASSDROP_SWEEP_INTERVAL_SECONDS * 1000,
  };
}

/** The storage settings, checked together: s3 needs a bucket, and credentials come whole or not at all. */
function fileStorageConfig(v: SettingValues, cwd: string, problems: string[]): FileStorageConfig {
  if (v.PASSDROP_FILE_STORAGE === 'disk') return { kind: 'disk' };
  if (v.PASSDROP_S3_BUCKET === undefined) problems.push('PASSDROP_S3_BUCKET must be set when PASSDROP_FILE_STORAGE is s3');
  let secret = v.PASSDROP_S3_SECRET_ACCESS_KEY;
  const before = problems.length;
  if (secret !== undefined && v.PASSDROP_S3_SECRET_ACCESS_KEY_FILE !== undefined) {
    problems.push('PASSDROP_S3_SECRET_ACCESS_KEY and PASSDROP_S3_SECRET_ACCESS_KEY_FILE are both set; set only one');
  } else if (v.PASSDROP_S3_SECRET_ACCESS_KEY_FILE !== undefined) {
    const path = resolvePath(v.PASSDROP_S3_SECRET_ACCESS_KEY_FILE, cwd);
    try {
      secret = readFileSync(path, 'utf8').trim();
      if (secret === '') problems.push(`PASSDROP_S3_SECRET_ACCESS_KEY_FILE: ${path} is empty`);
    } catch (error) {
      problems.push(`PASSDROP_S3_SECRET_ACCESS_KEY_FILE: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  const accessKeyId = v.PASSDROP_S3_ACCESS_KEY_ID;
  if (problems.length === before && (accessKeyId === undefined) !== (secret === undefined)) {
    problems.push('PASSDROP_S3_ACCESS_KEY_ID and a secret access key (PASSDROP_S3_SECRET_ACCESS_KEY or _FILE) must be set together, or neither for the default AWS credentials');
  }
  return {
    kind: 's3',
    bucket: v.PASSDROP_S3_BUCKET ?? '',
    region: v.PASSDROP_S3_REGION ?? 'us-east-1',
    endpoint: v.PASSDROP_S3_ENDPOINT,
    forcePathStyle: v.PASSDROP_S3_FORCE_PATH_STYLE,
    prefix: v.PASSDROP_S3_PREFIX ?? '',
    credentials: accessKeyId !== undefined && secret !== undefined ? { accessKeyId, secretAccessKey: secret } : undefined,
  };
}

function definedEntries(env: Environment): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) entries[name] = value;
  return entries;
}

/** The settings file is JSON with the same names as the environment variables; the environment wins. */
function readSettingsFile(env: Environment, cwd: string, problems: string[]): Record<string, string> {
  const path = env.PASSDROP_CONFIG?.trim();
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(resolvePath(path, cwd), 'utf8'));
  } catch (error) {
    problems.push(`PASSDROP_CONFIG: cannot read ${path}: ${(error as Error).message}`);
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push(`PASSDROP_CONFIG: ${path} must hold a JSON object of setting names to values`);
    return {};
  }
  const known = new Set(settingList.map((setting) => setting.name));
  const entries: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!known.has(name)) {
      problems.push(`PASSDROP_CONFIG: ${path} names an unknown setting "${name}"`);
    } else if (Array.isArray(value) && value.some((item) => typeof item === 'object' && item !== null)) {
      // A list of objects (PASSDROP_OIDC_PROVIDERS) is read as the JSON it is.
      entries[name] = JSON.stringify(value);
    } else if (Array.isArray(value)) {
      entries[name] = value.map(String).join(',');
    } else if (['string', 'number', 'boolean'].includes(typeof value)) {
      entries[name] = String(value);
    } else if (value !== null) {
      problems.push(`PASSDROP_CONFIG: ${path}: "${name}" must be a string, number, boolean or list`);
    }
  }
  return entries;
}

function databaseConfig(url: string, poolSize: number, waitSeconds: number, cwd: string): DatabaseConfig {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    return { kind: 'sqlite', path: path === ':memory:' ? path : resolvePath(path, cwd) };
  }
  return { kind: 'postgres', url, poolSize, startupWaitMs: waitSeconds * 1000 };
}

function resolvePath(path: string, cwd: string): string {
  return isAbsolute(path) ? path : resolve(cwd, path);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
