/**
 * The list of settings. Add a setting here, map it in `load-config.ts`, then run `npm run docs`
 * to refresh the README table (a test fails while it is stale).
 */
import {
  booleanSetting,
  checkBaseUrl,
  checkBucketName,
  checkDatabaseUrl,
  checkEndpointUrl,
  checkHostName,
  checkKeyPrefix,
  checkProxyAddress,
  checkRegularExpression,
  checkSmtpUrl,
  enumSetting,
  integerSetting,
  listSetting,
  stringSetting,
  type SettingDefinition,
} from './setting-definitions.js';
import { operationsSettings } from './operations-settings.js';
import { notificationSettings } from './notification-settings.js';
import { filePushSettings } from './file-push-settings.js';
import { requestSettings } from './request-settings.js';
import { ssoSettings } from './sso-settings.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const FILE_STORAGE_KINDS = ['disk', 's3'] as const;

const MIB = 1024 * 1024;

export const settings = {
  PORT: integerSetting('PORT', 'Server', 'TCP port to listen on', 5100, { min: 0, max: 65535 }),
  HOST: stringSetting('HOST', 'Server', 'Address to listen on; use 127.0.0.1 to accept local connections only', '0.0.0.0'),
  PASSDROP_BASE_URL: stringSetting(
    'PASSDROP_BASE_URL',
    'Server',
    'Public URL used in generated links, e.g. https://secrets.example.com, or with a sub-path, https://example.com/secrets/ (every route is then served under /secrets; the proxy must pass the path through unchanged). When unset, scheme and host come from the request (X-Forwarded-* only from TRUSTED_PROXIES)',
    undefined,
    { check: checkBaseUrl },
  ),
  PASSDROP_ALLOWED_HOSTS: listSetting(
    'PASSDROP_ALLOWED_HOSTS',
    'Server',
    "Comma-separated host names (optionally host:port) a request's Host may name when links in a response are built from it (PASSDROP_BASE_URL unset); other hosts get 400 HOST_NOT_ALLOWED on link-producing endpoints. Default: PASSDROP_BASE_URL's host when set, else any host. Emailed links always use PASSDROP_BASE_URL, never the request",
    checkHostName,
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
  PASSDROP_REQUEST_TIMEOUT_SECONDS: integerSetting(
    'PASSDROP_REQUEST_TIMEOUT_SECONDS',
    'Server',
    'Longest time a client may take to send one whole request (headers and body), in seconds; a client that trickles its body is cut after this (checked every PASSDROP_CONNECTION_CHECK_SECONDS). Raise it if people upload large files over slow links',
    50,
    { min: 1, max: 3600 },
  ),
  PASSDROP_HEADERS_TIMEOUT_SECONDS: integerSetting(
    'PASSDROP_HEADERS_TIMEOUT_SECONDS',
    'Server',
    'Longest time a client may take to send its request headers, in seconds (at most PASSDROP_REQUEST_TIMEOUT_SECONDS)',
    20,
    { min: 1, max: 3600 },
  ),
  PASSDROP_KEEP_ALIVE_TIMEOUT_SECONDS: integerSetting(
    'PASSDROP_KEEP_ALIVE_TIMEOUT_SECONDS',
    'Server',
    'How long an idle kept-alive connection stays open between requests, in seconds; keep it longer than a load balancer\'s idle timeout in front of Passdrop',
    65,
    { min: 1, max: 3600 },
  ),
  PASSDROP_CONNECTION_CHECK_SECONDS: integerSetting(
    'PASSDROP_CONNECTION_CHECK_SECONDS',
    'Server',
    'How often open connections are checked against the request and headers timeouts, in seconds; a slow client is cut at most this long after its timeout',
    5,
    { min: 1, max: 60 },
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
  PASSDROP_DATABASE_WAIT_SECONDS: integerSetting(
    'PASSDROP_DATABASE_WAIT_SECONDS',
    'Database',
    'At start, how long to keep retrying a PostgreSQL server that does not answer yet (one starting beside Passdrop), waiting 0.25 s, then twice as long each time up to 5 s, before giving up; 0 tries once. A wrong password or database name fails at once',
    60,
    { min: 0, max: 3600 },
  ),
  PASSDROP_DATA_DIR: stringSetting(
    'PASSDROP_DATA_DIR',
    'Database',
    'Directory for files Passdrop creates (the generated master key; file pushes\' encrypted contents under files/ when PASSDROP_FILE_STORAGE is disk)',
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
  PASSDROP_FILE_STORAGE: enumSetting(
    'PASSDROP_FILE_STORAGE',
    'File storage',
    "Where file pushes' contents (always encrypted) are kept: disk, under PASSDROP_DATA_DIR/files, for one machine; s3, an S3-compatible bucket (PASSDROP_S3_*), for several processes or machines. Give the bucket a lifecycle rule that aborts incomplete multipart uploads after a day",
    FILE_STORAGE_KINDS,
    'disk',
  ),
  PASSDROP_S3_BUCKET: stringSetting('PASSDROP_S3_BUCKET', 'File storage', 'Bucket for file contents; required when PASSDROP_FILE_STORAGE is s3', undefined, { check: checkBucketName }),
  PASSDROP_S3_REGION: stringSetting('PASSDROP_S3_REGION', 'File storage', "The bucket's region (S3-compatible servers usually accept any)", 'us-east-1'),
  PASSDROP_S3_ENDPOINT: stringSetting(
    'PASSDROP_S3_ENDPOINT',
    'File storage',
    "URL of an S3-compatible server, such as http://minio.internal:9000; when unset, AWS S3's endpoint for the region",
    undefined,
    { check: checkEndpointUrl },
  ),
  PASSDROP_S3_FORCE_PATH_STYLE: booleanSetting(
    'PASSDROP_S3_FORCE_PATH_STYLE',
    'File storage',
    'Address objects as ENDPOINT/BUCKET/KEY instead of BUCKET.ENDPOINT/KEY, as MinIO and most self-hosted S3-compatible servers need',
    false,
  ),
  PASSDROP_S3_PREFIX: stringSetting(
    'PASSDROP_S3_PREFIX',
    'File storage',
    'Prefix of every object key Passdrop writes, such as passdrop/, so the bucket can hold other things too',
    undefined,
    { check: checkKeyPrefix },
  ),
  PASSDROP_S3_ACCESS_KEY_ID: stringSetting(
    'PASSDROP_S3_ACCESS_KEY_ID',
    'File storage',
    "Access key id for the bucket; when unset (with the secret), the AWS SDK's default credentials (AWS_* variables, instance or pod role)",
    undefined,
  ),
  PASSDROP_S3_SECRET_ACCESS_KEY: stringSetting('PASSDROP_S3_SECRET_ACCESS_KEY', 'File storage', 'Secret access key for the bucket', undefined, { secret: true }),
  PASSDROP_S3_SECRET_ACCESS_KEY_FILE: stringSetting(
    'PASSDROP_S3_SECRET_ACCESS_KEY_FILE',
    'File storage',
    'Path of a file holding the secret access key, e.g. a Docker or Kubernetes secret',
    undefined,
  ),
  PASSDROP_TEXT_MAX_CHARACTERS: integerSetting(
    'PASSDROP_TEXT_MAX_CHARACTERS',
    'Pushes',
    'Longest text payload, in characters',
    1_048_576,
    { min: 1, max: 16 * 1_048_576 },
  ),
  PASSDROP_QR_MAX_CHARACTERS: integerSetting('PASSDROP_QR_MAX_CHARACTERS', 'Pushes', 'Longest QR code payload, in characters', 1024, {
    min: 1,
    max: 4096,
  }),
  PASSDROP_URL_MAX_CHARACTERS: integerSetting('PASSDROP_URL_MAX_CHARACTERS', 'Pushes', 'Longest URL payload, in characters', 8192, {
    min: 16,
    max: 65536,
  }),
  PASSDROP_MIN_EXPIRY_MINUTES: integerSetting(
    'PASSDROP_MIN_EXPIRY_MINUTES',
    'Pushes',
    'Shortest lifetime a push may be given through minutes or an absolute time',
    5,
    { min: 1, max: 1440 },
  ),
  PASSDROP_PASSPHRASE_ATTEMPTS_PER_MINUTE: integerSetting(
    'PASSDROP_PASSPHRASE_ATTEMPTS_PER_MINUTE',
    'Pushes',
    'Passphrase attempts allowed per push per minute, counted across all processes; more get 429',
    5,
    { min: 1, max: 1000 },
  ),
  PASSDROP_PASSPHRASE_MAX_FAILURES: integerSetting(
    'PASSDROP_PASSPHRASE_MAX_FAILURES',
    'Pushes',
    'Wrong passphrases after which a push locks and its payload is deleted',
    10,
    { min: 1, max: 10000 },
  ),
  PASSDROP_AUDIT_EVENTS_PER_PUSH: integerSetting(
    'PASSDROP_AUDIT_EVENTS_PER_PUSH',
    'Pushes',
    'Most audit events kept per push; past it, only expiry and lock events are still recorded',
    2000,
    { min: 10, max: 1_000_000 },
  ),
  PASSDROP_PURGE_EXPIRED_AFTER_DAYS: integerSetting(
    'PASSDROP_PURGE_EXPIRED_AFTER_DAYS',
    'Pushes',
    'Days an expired push keeps its metadata and audit log before both are deleted; 0 keeps them forever',
    90,
    { min: 0, max: 36500 },
  ),
  PASSDROP_SWEEP_INTERVAL_SECONDS: integerSetting(
    'PASSDROP_SWEEP_INTERVAL_SECONDS',
    'Pushes',
    'How often each process deletes payloads of pushes whose time ran out, even if nobody visits them',
    30,
    { min: 1, max: 60 },
  ),
  PASSDROP_ALLOW_ANONYMOUS: booleanSetting(
    'PASSDROP_ALLOW_ANONYMOUS',
    'Accounts',
    "Whether people without an account may create pushes. When false, creating needs an API token, and the Password Pusher API needs one on every endpoint but the version ones (recipients' pages keep working)",
    true,
  ),
  PASSDROP_ALLOW_SIGNUPS: booleanSetting('PASSDROP_ALLOW_SIGNUPS', 'Accounts', 'Whether people may create accounts on the sign-up page (admins can always add users with the CLI)', true),
  PASSDROP_ALLOW_LOGINS: booleanSetting(
    'PASSDROP_ALLOW_LOGINS',
    'Accounts',
    'Whether people may sign in to the web UI. When false, existing sessions stop working and only API tokens authenticate',
    true,
  ),
  PASSDROP_SIGNUP_EMAIL_PATTERN: stringSetting(
    'PASSDROP_SIGNUP_EMAIL_PATTERN',
    'Accounts',
    'A regular expression a new account\'s email must match, such as `@example\\.com$` (case-insensitive); when unset, any address',
    undefined,
    { check: checkRegularExpression },
  ),
  PASSDROP_REQUIRE_MFA: booleanSetting(
    'PASSDROP_REQUIRE_MFA',
    'Accounts',
    'Whether every account must set up two-factor authentication before using the web UI',
    false,
  ),
  PASSDROP_SESSION_HOURS: integerSetting('PASSDROP_SESSION_HOURS', 'Accounts', 'A web session ends after this many hours without use', 12, { min: 1, max: 720 }),
  PASSDROP_SIGN_IN_MAX_FAILURES: integerSetting(
    'PASSDROP_SIGN_IN_MAX_FAILURES',
    'Accounts',
    'Wrong passwords or codes in a row after which an account is locked for PASSDROP_SIGN_IN_LOCKOUT_MINUTES',
    5,
    { min: 1, max: 100 },
  ),
  PASSDROP_SIGN_IN_LOCKOUT_MINUTES: integerSetting('PASSDROP_SIGN_IN_LOCKOUT_MINUTES', 'Accounts', 'How long a locked account stays locked', 15, { min: 1, max: 1440 }),
  PASSDROP_SIGN_IN_ATTEMPTS_PER_IP: integerSetting(
    'PASSDROP_SIGN_IN_ATTEMPTS_PER_IP',
    'Accounts',
    'Sign-in, two-factor, sign-up and reset attempts one IP address may make in 15 minutes',
    30,
    { min: 1, max: 10000 },
  ),
  PASSDROP_SMTP_URL: stringSetting(
    'PASSDROP_SMTP_URL',
    'Email',
    'SMTP server for confirmation and password-reset emails, such as `smtps://user:password@mail.example.com:465`. When unset, accounts need no confirmation and passwords are reset by an admin',
    undefined,
    { secret: true, check: checkSmtpUrl },
  ),
  PASSDROP_MAIL_FROM: stringSetting('PASSDROP_MAIL_FROM', 'Email', 'The From address of the emails Passdrop sends', 'Passdrop <passdrop@localhost>'),
  PASSDROP_BRAND_TITLE: stringSetting('PASSDROP_BRAND_TITLE', 'Branding', 'Name shown in the header and page titles', 'Passdrop'),
  PASSDROP_BRAND_TAGLINE: stringSetting(
    'PASSDROP_BRAND_TAGLINE',
    'Branding',
    'Line under the name; when unset, a translated default is shown',
    undefined,
  ),
  PASSDROP_BRAND_LOGO_FILE: stringSetting(
    'PASSDROP_BRAND_LOGO_FILE',
    'Branding',
    'Path of a logo image (SVG, PNG or WebP) shown beside the name; served by Passdrop at /brand/logo',
    undefined,
  ),
  PASSDROP_BRAND_CSS_FILE: stringSetting(
    'PASSDROP_BRAND_CSS_FILE',
    'Branding',
    'Path of extra CSS loaded after ours (colours: override --accent, --accent-contrast, --bg, --fg…); served at /brand/custom.css',
    undefined,
  ),
  PASSDROP_BRAND_ON_DELIVERY_PAGES: booleanSetting(
    'PASSDROP_BRAND_ON_DELIVERY_PAGES',
    'Branding',
    "Show the branding on the recipients' pages too (they are unbranded by default)",
    false,
  ),
  PASSDROP_THEME: enumSetting(
    'PASSDROP_THEME',
    'Branding',
    'Built-in colour theme of the web pages, each with a light and a dark variant (docs/ui.md)',
    ['passdrop', 'forest', 'graphite', 'violet'],
    'passdrop',
  ),
  PASSDROP_COLOR_SCHEME: enumSetting(
    'PASSDROP_COLOR_SCHEME',
    'Branding',
    "Light or dark pages before a visitor chooses; `system` follows the visitor's device",
    ['system', 'light', 'dark'],
    'system',
  ),
  PASSDROP_BRAND_ACCENT: stringSetting(
    'PASSDROP_BRAND_ACCENT',
    'Branding',
    'Accent colour of buttons, links and focus, as `#rrggbb`; Passdrop derives the text colour on it and a dark-mode variant that keep WCAG AA contrast',
    undefined,
    { check: (value) => (/^#[0-9a-f]{6}$/i.test(value) ? undefined : `must be a colour like #1f56c4, got "${value}"`) },
  ),
  ...requestSettings,
  ...operationsSettings,
  ...ssoSettings,
  ...notificationSettings,
  ...kindSettings('TEXT', 'text', { deletable: true }),
  ...kindSettings('URL', 'URL', { deletable: false }),
  ...kindSettings('QR', 'QR code', { deletable: true }),
  ...kindSettings('FILE', 'file', { deletable: true }),
  ...filePushSettings,
} satisfies Record<string, SettingDefinition<never> | SettingDefinition<unknown>>;

export const PUSH_KIND_PREFIXES = { text: 'TEXT', url: 'URL', qr: 'QR', file: 'FILE' } as const;
type KindPrefix = (typeof PUSH_KIND_PREFIXES)[keyof typeof PUSH_KIND_PREFIXES];

type KindSettingName<P extends string> =
  | `PASSDROP_${P}_PUSHES_ENABLED`
  | `PASSDROP_${P}_EXPIRE_AFTER_DAYS_DEFAULT`
  | `PASSDROP_${P}_EXPIRE_AFTER_DAYS_MIN`
  | `PASSDROP_${P}_EXPIRE_AFTER_DAYS_MAX`
  | `PASSDROP_${P}_EXPIRE_AFTER_VIEWS_DEFAULT`
  | `PASSDROP_${P}_EXPIRE_AFTER_VIEWS_MIN`
  | `PASSDROP_${P}_EXPIRE_AFTER_VIEWS_MAX`
  | `PASSDROP_${P}_RETRIEVAL_STEP_DEFAULT`
  | `PASSDROP_${P}_DELETABLE_BY_VIEWER_DEFAULT`;

/** The same expiry knobs for each kind of push, with Password Pusher's defaults (7 days, 5 views; 1–90, 1–100). */
function kindSettings<const P extends KindPrefix>(
  prefix: P,
  label: string,
  options: { deletable: boolean },
): Record<KindSettingName<P>, SettingDefinition<number> | SettingDefinition<boolean>> {
  const group = `Pushes: ${label}`;
  const days = { min: 1, max: 3650 };
  const views = { min: 1, max: 10000 };
  const entries: Array<SettingDefinition<number> | SettingDefinition<boolean>> = [
    booleanSetting(`PASSDROP_${prefix}_PUSHES_ENABLED`, group, `Allow creating ${label} pushes`, true),
    integerSetting(`PASSDROP_${prefix}_EXPIRE_AFTER_DAYS_DEFAULT`, group, 'Lifetime in days when none is given', 7, days),
    integerSetting(`PASSDROP_${prefix}_EXPIRE_AFTER_DAYS_MIN`, group, 'Shortest lifetime in days accepted in expire_after_days', 1, days),
    integerSetting(`PASSDROP_${prefix}_EXPIRE_AFTER_DAYS_MAX`, group, 'Longest lifetime in days (also caps minutes and absolute times)', 90, days),
    integerSetting(`PASSDROP_${prefix}_EXPIRE_AFTER_VIEWS_DEFAULT`, group, 'Views allowed when none is given', 5, views),
    integerSetting(`PASSDROP_${prefix}_EXPIRE_AFTER_VIEWS_MIN`, group, 'Fewest views a push may allow', 1, views),
    integerSetting(`PASSDROP_${prefix}_EXPIRE_AFTER_VIEWS_MAX`, group, 'Most views a push may allow', 100, views),
    booleanSetting(
      `PASSDROP_${prefix}_RETRIEVAL_STEP_DEFAULT`,
      group,
      'Whether the link shows a "reveal" step first (protects against link scanners) when the creator does not say',
      true,
    ),
  ];
  // URL pushes redirect, so there is nothing for a viewer to delete afterwards (as in Password Pusher).
  if (options.deletable) {
    entries.push(
      booleanSetting(
        `PASSDROP_${prefix}_DELETABLE_BY_VIEWER_DEFAULT`,
        group,
        'Whether the recipient may delete the push at once, when the creator does not say',
        true,
      ),
    );
  }
  return Object.fromEntries(entries.map((entry) => [entry.name, entry])) as Record<
    KindSettingName<P>,
    SettingDefinition<number> | SettingDefinition<boolean>
  >;
}

export type SettingName = keyof typeof settings;
export type SettingValues = { [K in SettingName]: (typeof settings)[K]['defaultValue'] };

export const settingList: readonly SettingDefinition[] = Object.values(settings) as SettingDefinition[];
