/**
 * The settings of running Passdrop as a service: abuse limits shared by every process, the public gateway
 * mode and the Prometheus metrics listener. Spread into the settings list in settings.ts; mapped to an
 * OperationsConfig by `operationsConfig`.
 */
import { booleanSetting, integerSetting, stringSetting } from './setting-definitions.js';

const LIMITS = 'Rate limits';
const OPERATIONS = 'Operations';
const PER_MINUTE = { min: 1, max: 1_000_000 };

/** What a rate limit counts (see `docs/architecture.md`, "Rate limits"). */
export const LIMITED_ACTIONS = ['create', 'reveal', 'api', 'sign-up'] as const;
export type LimitedAction = (typeof LIMITED_ACTIONS)[number];

/** How many of an action one client may do in one window; `perAccount` is used for signed-in requests. */
export interface ActionLimit {
  readonly perIp: number;
  readonly perAccount: number;
  /** The fixed window the counts are kept for, in milliseconds. */
  readonly windowMs: number;
}

export interface OperationsConfig {
  readonly rateLimits: { readonly enabled: boolean; readonly actions: Readonly<Record<LimitedAction, ActionLimit>> };
  /** Serve only what recipients need (delivery pages, reveal, passphrase, delete-now, their assets, /up). */
  readonly gateway: boolean;
  /** Undefined: no metrics listener. */
  readonly metrics: { readonly port: number; readonly host: string; readonly token: string | undefined } | undefined;
}

export const operationsSettings = {
  PASSDROP_RATE_LIMITS: booleanSetting(
    'PASSDROP_RATE_LIMITS',
    LIMITS,
    'Whether the limits below apply. They are counted in the database, so every process behind a load balancer shares them; over a limit the answer is 429 with Retry-After. Turn off only if something in front limits instead',
    true,
  ),
  PASSDROP_CREATE_LIMIT_PER_IP: integerSetting(
    'PASSDROP_CREATE_LIMIT_PER_IP',
    LIMITS,
    'Pushes and requests one IP address may create per minute without signing in (Password Pusher allows 120)',
    30,
    PER_MINUTE,
  ),
  PASSDROP_CREATE_LIMIT_PER_ACCOUNT: integerSetting(
    'PASSDROP_CREATE_LIMIT_PER_ACCOUNT',
    LIMITS,
    'Pushes and requests one account may create per minute, from any address',
    120,
    PER_MINUTE,
  ),
  PASSDROP_REVEAL_LIMIT_PER_IP: integerSetting(
    'PASSDROP_REVEAL_LIMIT_PER_IP',
    LIMITS,
    'Reveal attempts (opening a push, a passphrase, delete-now, answering a request) one IP address may make per minute without signing in',
    60,
    PER_MINUTE,
  ),
  PASSDROP_REVEAL_LIMIT_PER_ACCOUNT: integerSetting('PASSDROP_REVEAL_LIMIT_PER_ACCOUNT', LIMITS, 'Reveal attempts one account may make per minute', 120, PER_MINUTE),
  PASSDROP_API_LIMIT_PER_IP: integerSetting(
    'PASSDROP_API_LIMIT_PER_IP',
    LIMITS,
    'API calls (both APIs, any route) one IP address may make per minute without a valid token',
    300,
    PER_MINUTE,
  ),
  PASSDROP_API_LIMIT_PER_ACCOUNT: integerSetting('PASSDROP_API_LIMIT_PER_ACCOUNT', LIMITS, 'API calls one account may make per minute', 600, PER_MINUTE),
  PASSDROP_SIGN_UP_LIMIT_PER_IP: integerSetting('PASSDROP_SIGN_UP_LIMIT_PER_IP', LIMITS, 'Accounts one IP address may sign up for per hour', 10, PER_MINUTE),
  PASSDROP_GATEWAY: booleanSetting(
    'PASSDROP_GATEWAY',
    OPERATIONS,
    'Public gateway mode: this process serves only what recipients need (delivery pages, reveal, passphrase, delete-now, answering a request, their assets, /up) and answers 404 to everything else, so creation and accounts can stay on an internal network',
    false,
  ),
  PASSDROP_METRICS_PORT: integerSetting(
    'PASSDROP_METRICS_PORT',
    OPERATIONS,
    'Serve Prometheus metrics at /metrics on this separate port (0: off). Never publish it; set PASSDROP_METRICS_TOKEN if it is reachable by others',
    0,
    { min: 0, max: 65535 },
  ),
  PASSDROP_METRICS_HOST: stringSetting('PASSDROP_METRICS_HOST', OPERATIONS, 'Address the metrics port listens on', '0.0.0.0'),
  PASSDROP_METRICS_TOKEN: stringSetting(
    'PASSDROP_METRICS_TOKEN',
    OPERATIONS,
    'When set, /metrics answers only requests with Authorization: Bearer TOKEN',
    undefined,
    { secret: true, check: (value) => (value.length < 16 ? 'must be at least 16 characters' : undefined) },
  ),
} as const;

/** The values `operationsConfig` reads, by setting name. */
export interface OperationsSettingValues {
  readonly PASSDROP_RATE_LIMITS: boolean;
  readonly PASSDROP_CREATE_LIMIT_PER_IP: number;
  readonly PASSDROP_CREATE_LIMIT_PER_ACCOUNT: number;
  readonly PASSDROP_REVEAL_LIMIT_PER_IP: number;
  readonly PASSDROP_REVEAL_LIMIT_PER_ACCOUNT: number;
  readonly PASSDROP_API_LIMIT_PER_IP: number;
  readonly PASSDROP_API_LIMIT_PER_ACCOUNT: number;
  readonly PASSDROP_SIGN_UP_LIMIT_PER_IP: number;
  readonly PASSDROP_GATEWAY: boolean;
  readonly PASSDROP_METRICS_PORT: number;
  readonly PASSDROP_METRICS_HOST: string | undefined;
  readonly PASSDROP_METRICS_TOKEN: string | undefined;
}

const MINUTE = 60_000;

export function operationsConfig(v: OperationsSettingValues): OperationsConfig {
  return {
    rateLimits: {
      enabled: v.PASSDROP_RATE_LIMITS,
      actions: {
        create: { perIp: v.PASSDROP_CREATE_LIMIT_PER_IP, perAccount: v.PASSDROP_CREATE_LIMIT_PER_ACCOUNT, windowMs: MINUTE },
        reveal: { perIp: v.PASSDROP_REVEAL_LIMIT_PER_IP, perAccount: v.PASSDROP_REVEAL_LIMIT_PER_ACCOUNT, windowMs: MINUTE },
        api: { perIp: v.PASSDROP_API_LIMIT_PER_IP, perAccount: v.PASSDROP_API_LIMIT_PER_ACCOUNT, windowMs: MINUTE },
        // Sign-up is anonymous by nature; the account figure is never used.
        'sign-up': { perIp: v.PASSDROP_SIGN_UP_LIMIT_PER_IP, perAccount: v.PASSDROP_SIGN_UP_LIMIT_PER_IP, windowMs: 60 * MINUTE },
      },
    },
    gateway: v.PASSDROP_GATEWAY,
    metrics: v.PASSDROP_METRICS_PORT === 0 ? undefined : { port: v.PASSDROP_METRICS_PORT, host: v.PASSDROP_METRICS_HOST ?? '0.0.0.0', token: v.PASSDROP_METRICS_TOKEN },
  };
}
