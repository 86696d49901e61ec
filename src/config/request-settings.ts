/**
 * The settings of requests (an account asks someone to send it a secret; docs/requests-encryption.md).
 * Spread into the settings list in settings.ts; mapped to a RequestPolicy by `requestPolicy`.
 */
import { booleanSetting, integerSetting } from './setting-definitions.js';

const GROUP = 'Requests';
const DAYS = { min: 1, max: 3650 };

export const requestSettings = {
  PASSDROP_REQUESTS_ENABLED: booleanSetting(
    'PASSDROP_REQUESTS_ENABLED',
    GROUP,
    'Whether accounts may make requests: links that ask someone to send them a secret, encrypted in the browser to a key only the requester holds',
    true,
  ),
  PASSDROP_REQUEST_OPEN_DAYS_DEFAULT: integerSetting('PASSDROP_REQUEST_OPEN_DAYS_DEFAULT', GROUP, 'How long a request link accepts answers when the requester does not say, in days', 7, DAYS),
  PASSDROP_REQUEST_OPEN_DAYS_MAX: integerSetting('PASSDROP_REQUEST_OPEN_DAYS_MAX', GROUP, 'The longest a request link may accept answers, in days', 90, DAYS),
  PASSDROP_REQUEST_ANSWERS_MAX: integerSetting('PASSDROP_REQUEST_ANSWERS_MAX', GROUP, 'The most answers one request may accept (the requester chooses; 1 when not said)', 100, { min: 1, max: 10000 }),
  PASSDROP_REQUEST_ANSWER_KEEP_DAYS_DEFAULT: integerSetting(
    'PASSDROP_REQUEST_ANSWER_KEEP_DAYS_DEFAULT',
    GROUP,
    'How long an answer is kept before it is deleted, when the requester does not say, in days',
    7,
    DAYS,
  ),
  PASSDROP_REQUEST_ANSWER_KEEP_DAYS_MAX: integerSetting('PASSDROP_REQUEST_ANSWER_KEEP_DAYS_MAX', GROUP, 'The longest an answer may be kept, in days', 90, DAYS),
  PASSDROP_REQUEST_ANSWER_VIEWS_DEFAULT: integerSetting(
    'PASSDROP_REQUEST_ANSWER_VIEWS_DEFAULT',
    GROUP,
    'How many times the requester may open an answer before it is deleted, when the requester does not say',
    5,
    { min: 1, max: 10000 },
  ),
  PASSDROP_REQUEST_ANSWER_VIEWS_MAX: integerSetting('PASSDROP_REQUEST_ANSWER_VIEWS_MAX', GROUP, 'The most views an answer may allow', 100, { min: 1, max: 10000 }),
  PASSDROP_REQUEST_ANSWER_MAX_CHARACTERS: integerSetting('PASSDROP_REQUEST_ANSWER_MAX_CHARACTERS', GROUP, 'Longest text answer, in characters', 65_536, {
    min: 1,
    max: 16 * 1_048_576,
  }),
  PASSDROP_REQUEST_ANSWERS_PER_LINK_PER_MINUTE: integerSetting(
    'PASSDROP_REQUEST_ANSWERS_PER_LINK_PER_MINUTE',
    GROUP,
    'Answer attempts one request link takes per minute, counted in the database across all processes; more get 429',
    10,
    { min: 1, max: 100_000 },
  ),
  PASSDROP_REQUEST_ANSWERS_PER_IP_PER_HOUR: integerSetting(
    'PASSDROP_REQUEST_ANSWERS_PER_IP_PER_HOUR',
    GROUP,
    'Answer attempts one IP address may make per hour across all request links, counted in the database; more get 429',
    30,
    { min: 1, max: 1_000_000 },
  ),
};

/** What the request service enforces, from the settings above (and the passphrase limits of pushes). */
export interface RequestPolicy {
  readonly enabled: boolean;
  /** Link lifetime in minutes: default and bounds (the minimum is PASSDROP_MIN_EXPIRY_MINUTES). */
  readonly openMinutes: { readonly default: number; readonly min: number; readonly max: number };
  readonly answersMax: number;
  /** How long each answer is kept, in minutes. */
  readonly answerLifetimeMinutes: { readonly default: number; readonly min: number; readonly max: number };
  readonly answerViews: { readonly default: number; readonly min: number; readonly max: number };
  /** Longest text answer, in characters. */
  readonly answerMaxCharacters: number;
  readonly answersPerLinkPerMinute: number;
  readonly answersPerIpPerHour: number;
  readonly passphraseAttemptsPerMinute: number;
  readonly passphraseMaxFailures: number;
  readonly auditEventsPerRequest: number;
}

type RequestSettingValues = { [K in keyof typeof requestSettings]: (typeof requestSettings)[K]['defaultValue'] };

/** Builds the policy; adds a problem when a default lies above its maximum. */
export function requestPolicy(
  v: RequestSettingValues,
  shared: { minExpiryMinutes: number; passphraseAttemptsPerMinute: number; passphraseMaxFailures: number; auditEventsPerPush: number },
  problems: string[],
): RequestPolicy {
  for (const [what, fallback, max] of [
    ['OPEN_DAYS', v.PASSDROP_REQUEST_OPEN_DAYS_DEFAULT, v.PASSDROP_REQUEST_OPEN_DAYS_MAX],
    ['ANSWER_KEEP_DAYS', v.PASSDROP_REQUEST_ANSWER_KEEP_DAYS_DEFAULT, v.PASSDROP_REQUEST_ANSWER_KEEP_DAYS_MAX],
    ['ANSWER_VIEWS', v.PASSDROP_REQUEST_ANSWER_VIEWS_DEFAULT, v.PASSDROP_REQUEST_ANSWER_VIEWS_MAX],
  ] as const) {
    if (fallback > max) problems.push(`PASSDROP_REQUEST_${what}_DEFAULT (${fallback}) must not be greater than PASSDROP_REQUEST_${what}_MAX (${max})`);
  }
  return {
    enabled: v.PASSDROP_REQUESTS_ENABLED,
    openMinutes: { default: v.PASSDROP_REQUEST_OPEN_DAYS_DEFAULT * 1440, min: shared.minExpiryMinutes, max: v.PASSDROP_REQUEST_OPEN_DAYS_MAX * 1440 },
    answersMax: v.PASSDROP_REQUEST_ANSWERS_MAX,
    answerLifetimeMinutes: { default: v.PASSDROP_REQUEST_ANSWER_KEEP_DAYS_DEFAULT * 1440, min: shared.minExpiryMinutes, max: v.PASSDROP_REQUEST_ANSWER_KEEP_DAYS_MAX * 1440 },
    answerViews: { default: v.PASSDROP_REQUEST_ANSWER_VIEWS_DEFAULT, min: 1, max: v.PASSDROP_REQUEST_ANSWER_VIEWS_MAX },
    answerMaxCharacters: v.PASSDROP_REQUEST_ANSWER_MAX_CHARACTERS,
    answersPerLinkPerMinute: v.PASSDROP_REQUEST_ANSWERS_PER_LINK_PER_MINUTE,
    answersPerIpPerHour: v.PASSDROP_REQUEST_ANSWERS_PER_IP_PER_HOUR,
    passphraseAttemptsPerMinute: shared.passphraseAttemptsPerMinute,
    passphraseMaxFailures: shared.passphraseMaxFailures,
    auditEventsPerRequest: shared.auditEventsPerPush,
  };
}
