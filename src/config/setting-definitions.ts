/**
 * Every setting Passdrop reads, in one list: the loader, the README's configuration table and the
 * settings-file validation all come from here, so they cannot drift apart.
 */
import { isIP } from 'node:net';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: string };

export interface SettingDefinition<T = unknown> {
  /** Environment variable (and settings-file key) name. */
  readonly name: string;
  readonly group: string;
  readonly description: string;
  /** Human-readable default for the docs; `undefined` means "not set". */
  readonly defaultText: string | undefined;
  readonly defaultValue: T;
  /** True when the value must never be printed (keys). */
  readonly secret?: boolean;
  parse(raw: string): ParseResult<T>;
}

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = (problem: string): ParseResult<never> => ({ ok: false, problem });

export function integerSetting(
  name: string,
  group: string,
  description: string,
  defaultValue: number,
  bounds: { min: number; max: number },
): SettingDefinition<number> {
  return {
    name,
    group,
    description: `${description} (${bounds.min}–${bounds.max})`,
    defaultText: String(defaultValue),
    defaultValue,
    parse(raw) {
      if (!/^-?\d+$/.test(raw.trim())) return fail(`must be a whole number, got "${raw}"`);
      const value = Number(raw.trim());
      if (value < bounds.min || value > bounds.max) {
        return fail(`must be between ${bounds.min} and ${bounds.max}, got ${value}`);
      }
      return ok(value);
    },
  };
}

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

export function booleanSetting(
  name: string,
  group: string,
  description: string,
  defaultValue: boolean,
): SettingDefinition<boolean> {
  return {
    name,
    group,
    description,
    defaultText: String(defaultValue),
    defaultValue,
    parse(raw) {
      const word = raw.trim().toLowerCase();
      if (TRUE_WORDS.has(word)) return ok(true);
      if (FALSE_WORDS.has(word)) return ok(false);
      return fail(`must be true or false, got "${raw}"`);
    },
  };
}

export function stringSetting(
  name: string,
  group: string,
  description: string,
  defaultValue: string | undefined,
  options: { secret?: boolean; check?: (value: string) => string | undefined } = {},
): SettingDefinition<string | undefined> {
  return {
    name,
    group,
    description,
    defaultText: defaultValue,
    defaultValue,
    ...(options.secret ? { secret: true } : {}),
    parse(raw) {
      const value = raw.trim();
      if (value === '') return ok(undefined);
      const problem = options.check?.(value);
      return problem ? fail(problem) : ok(value);
    },
  };
}

export function enumSetting<const T extends string>(
  name: string,
  group: string,
  description: string,
  values: readonly T[],
  defaultValue: T,
): SettingDefinition<T> {
  return {
    name,
    group,
    description: `${description} (one of: ${values.join(', ')})`,
    defaultText: defaultValue,
    defaultValue,
    parse(raw) {
      const value = raw.trim().toLowerCase();
      return (values as readonly string[]).includes(value)
        ? ok(value as T)
        : fail(`must be one of ${values.join(', ')}, got "${raw}"`);
    },
  };
}

export function listSetting(
  name: string,
  group: string,
  description: string,
  check: (item: string) => string | undefined,
): SettingDefinition<readonly string[]> {
  return {
    name,
    group,
    description,
    defaultText: undefined,
    defaultValue: [],
    parse(raw) {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      const problems = items.map(check).filter((problem): problem is string => problem !== undefined);
      return problems.length > 0 ? fail(problems.join('; ')) : ok(items);
    },
  };
}

/** An IP address, a CIDR range, or one of proxy-addr's names for well-known ranges. */
export function checkProxyAddress(item: string): string | undefined {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(item)) return undefined;
  const [address, prefix, extra] = item.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) return `"${item}" is not an IP address or CIDR range`;
  if (prefix !== undefined) {
    const bits = Number(prefix);
    const maxBits = family === 4 ? 32 : 128;
    if (!/^\d+$/.test(prefix) || bits > maxBits) return `"${item}" has an invalid prefix length`;
  }
  return undefined;
}

/** A host name or IP address, optionally with :port, such as secrets.example.com or 127.0.0.1:5100. */
export function checkHostName(item: string): string | undefined {
  return /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(item)
    ? undefined
    : `"${item}" is not a host name (such as secrets.example.com or 127.0.0.1:5100)`;
}

export function checkDatabaseUrl(value: string): string | undefined {
  if (value.startsWith('sqlite:')) {
    return value.slice('sqlite:'.length).trim() === '' ? 'sqlite: needs a file path, e.g. sqlite:./data/passdrop.sqlite' : undefined;
  }
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    try {
      new URL(value);
      return undefined;
    } catch {
      return 'is not a valid postgres:// URL';
    }
  }
  return 'must start with sqlite: or postgres://';
}

export function checkBaseUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.search || url.hash) return 'must not contain a query string or fragment';
  if (url.username || url.password) return 'must not contain a user name or password';
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '' && !/^(\/[A-Za-z0-9._~-]+)+$/.test(path)) {
    return `has the path "${url.pathname}": a sub-path must be plain segments of letters, digits, ".", "_", "~" or "-", such as /secrets`;
  }
  return undefined;
}

export function checkRegularExpression(value: string): string | undefined {
  try {
    new RegExp(value, 'i');
    return undefined;
  } catch {
    return `must be a valid regular expression, got "${value}"`;
  }
}

export function checkSmtpUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'smtp:' || url.protocol === 'smtps:' ? undefined : 'must start with smtp:// or smtps://';
  } catch {
    return 'must be a URL such as smtp://user:password@mail.example.com:587';
  }
}

/** An http(s) URL without path, query or fragment, such as http://127.0.0.1:9000 (an S3-compatible server). */
export function checkEndpointUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not a URL`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.search || url.hash || url.username || url.password) return 'must not contain credentials, a query string or a fragment';
  return undefined;
}

/** A key prefix inside a bucket: key segments (A–Z a–z 0–9 _ - .) each followed by a /, such as `passdrop/`. */
export function checkKeyPrefix(value: string): string | undefined {
  return /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)+$/.test(value) && value.length <= 256
    ? undefined
    : `must be segments of A–Z, a–z, 0–9, _, - and . each ending with /, such as passdrop/, got "${value}"`;
}

/** An S3 bucket name (3–63 lowercase letters, digits, dots and hyphens; AWS's naming rules, simplified). */
export function checkBucketName(value: string): string | undefined {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) ? undefined : `must be 3–63 lowercase letters, digits, dots and hyphens, got "${value}"`;
}
