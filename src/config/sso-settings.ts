/**
 * The settings of single sign-on (OIDC) and passkeys (docs/sso.md). Spread into the settings list in
 * settings.ts; turned into an `SsoPolicy` by `ssoPolicy`, which also reads each client secret (from a
 * file or an environment variable: never from the provider list itself, which is often logged or committed).
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { booleanSetting, listSetting, type ParseResult, type SettingDefinition } from './setting-definitions.js';

const GROUP = 'Single sign-on and passkeys';

/** One OpenID Connect provider as configured (its client secret already read). */
export interface OidcProviderConfig {
  /** Our short name for it, in URLs and on linked identities: `[a-z0-9-]{1,32}`, such as `keycloak`. */
  readonly id: string;
  /** What the sign-in button says: "Sign in with {name}". */
  readonly name: string;
  /** The issuer URL; discovery reads `{issuer}/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly clientId: string;
  /** Undefined for a public client (PKCE alone). */
  readonly clientSecret: string | undefined;
  /** Always includes `openid`; the default is `openid email profile`. */
  readonly scopes: readonly string[];
  /** The ID token or userinfo claim that lists the person's groups (default `groups`). */
  readonly groupsClaim: string;
  /** Members of any of these groups are admins here (and stop being admins when they leave them). Empty: the provider says nothing about admins. */
  readonly adminGroups: readonly string[];
  /** Whether signing out also ends the provider's session (when it offers an end-session endpoint); default true. */
  readonly endSession: boolean;
  /**
   * Take the provider's `email` as verified even without `email_verified: true` (Entra ID sends no such
   * claim; its addresses are managed by the tenant). Default false: an unverified address never links.
   */
  readonly assumeEmailVerified: boolean;
}

export type MfaSatisfier = 'passkey' | 'sso';

export interface SsoPolicy {
  readonly providers: readonly OidcProviderConfig[];
  /** Passwords are off: no password sign-in, sign-up or reset; accounts sign in through a provider or a passkey. */
  readonly ssoOnly: boolean;
  readonly passkeys: boolean;
  /** What stands in for TOTP under PASSDROP_REQUIRE_MFA. */
  readonly mfaSatisfiedBy: readonly MfaSatisfier[];
}

interface RawProvider {
  id: string;
  name: string;
  issuer: string;
  clientId: string;
  clientSecretFile?: string;
  clientSecretEnv?: string;
  scopes?: string[];
  groupsClaim?: string;
  adminGroups?: string[];
  endSession?: boolean;
  assumeEmailVerified?: boolean;
}

const PROVIDER_KEYS = new Set(['id', 'name', 'issuer', 'clientId', 'clientSecretFile', 'clientSecretEnv', 'scopes', 'groupsClaim', 'adminGroups', 'endSession', 'assumeEmailVerified']);

/** Checks the JSON shape of PASSDROP_OIDC_PROVIDERS; every problem is listed. */
export function parseProviderList(raw: string): ParseResult<readonly RawProvider[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, problem: 'must be a JSON array of providers, such as [{"id":"keycloak","name":"Keycloak","issuer":"https://…","clientId":"passdrop","clientSecretEnv":"KEYCLOAK_SECRET"}]' };
  }
  if (!Array.isArray(parsed)) return { ok: false, problem: 'must be a JSON array of providers' };
  const problems: string[] = [];
  const ids = new Set<string>();
  parsed.forEach((entry: unknown, index) => {
    const where = `provider ${index + 1}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${where} must be an object`);
      return;
    }
    const provider = entry as Record<string, unknown>;
    for (const key of Object.keys(provider)) if (!PROVIDER_KEYS.has(key)) problems.push(`${where} has an unknown key "${key}"`);
    const text = (key: string, required: boolean) => {
      const value = provider[key];
      if (value === undefined && !required) return;
      if (typeof value !== 'string' || value.trim() === '') problems.push(`${where}: "${key}" must be a non-empty string`);
    };
    text('id', true);
    text('name', true);
    text('issuer', true);
    text('clientId', true);
    text('clientSecretFile', false);
    text('clientSecretEnv', false);
    text('groupsClaim', false);
    if (typeof provider.id === 'string') {
      if (!/^[a-z0-9-]{1,32}$/.test(provider.id)) problems.push(`${where}: "id" must be 1–32 lowercase letters, digits and hyphens`);
      if (ids.has(provider.id)) problems.push(`${where}: the id "${provider.id}" is used twice`);
      ids.add(provider.id);
    }
    if (typeof provider.issuer === 'string') {
      try {
        const url = new URL(provider.issuer);
        // Plain http only on this machine (a provider started for tests or development): tokens cross the network otherwise.
        const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
        if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) problems.push(`${where}: "issuer" must be an https:// URL (http:// only on 127.0.0.1 or localhost)`);
      } catch {
        problems.push(`${where}: "issuer" must be a URL`);
      }
    }
    if (provider.clientSecretFile !== undefined && provider.clientSecretEnv !== undefined) problems.push(`${where}: set "clientSecretFile" or "clientSecretEnv", not both`);
    for (const key of ['scopes', 'adminGroups']) {
      const value = provider[key];
      if (value !== undefined && (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item.trim() === ''))) problems.push(`${where}: "${key}" must be a list of strings`);
    }
    for (const key of ['endSession', 'assumeEmailVerified']) {
      if (provider[key] !== undefined && typeof provider[key] !== 'boolean') problems.push(`${where}: "${key}" must be true or false`);
    }
  });
  return problems.length > 0 ? { ok: false, problem: problems.join('; ') } : { ok: true, value: parsed as RawProvider[] };
}

const providerListSetting: SettingDefinition<readonly RawProvider[]> = {
  name: 'PASSDROP_OIDC_PROVIDERS',
  group: GROUP,
  description:
    'OpenID Connect providers people may sign in with, as a JSON array of objects with `id`, `name`, `issuer`, `clientId`, `clientSecretFile` or `clientSecretEnv`, and optionally `scopes`, `groupsClaim`, `adminGroups`, `endSession`, `assumeEmailVerified` (docs/sso.md). The redirect URI to register is PASSDROP_BASE_URL + `/account/sso/<id>/callback`',
  defaultText: undefined,
  defaultValue: [],
  parse: parseProviderList,
};

export const ssoSettings = {
  PASSDROP_OIDC_PROVIDERS: providerListSetting,
  PASSDROP_SSO_ONLY: booleanSetting(
    'PASSDROP_SSO_ONLY',
    GROUP,
    'Turns passwords off: people sign in through an OIDC provider (or a passkey); password sign-in, sign-up and reset are gone. Needs at least one provider',
    false,
  ),
  PASSDROP_PASSKEYS_ENABLED: booleanSetting('PASSDROP_PASSKEYS_ENABLED', GROUP, 'Whether accounts may register passkeys and sign in with them (WebAuthn)', true),
  PASSDROP_MFA_SATISFIED_BY: listSetting(
    'PASSDROP_MFA_SATISFIED_BY',
    GROUP,
    'What counts as the second factor PASSDROP_REQUIRE_MFA asks for besides TOTP: `passkey` (an account with a passkey) and/or `sso` (a session signed in through a provider, which enforces its own MFA), comma-separated',
    (item) => (item === 'passkey' || item === 'sso' ? undefined : `"${item}" must be passkey or sso`),
  ),
} as const;

/** Reads each provider's client secret and checks the settings together; problems are appended. */
export function ssoPolicy(
  values: { PASSDROP_OIDC_PROVIDERS: readonly RawProvider[]; PASSDROP_SSO_ONLY: boolean; PASSDROP_PASSKEYS_ENABLED: boolean; PASSDROP_MFA_SATISFIED_BY: readonly string[] },
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
  problems: string[],
): SsoPolicy {
  const providers = values.PASSDROP_OIDC_PROVIDERS.map((raw): OidcProviderConfig => {
    let clientSecret: string | undefined;
    if (raw.clientSecretFile !== undefined) {
      const path = isAbsolute(raw.clientSecretFile) ? raw.clientSecretFile : resolve(cwd, raw.clientSecretFile);
      if (!existsSync(path)) problems.push(`PASSDROP_OIDC_PROVIDERS: ${raw.id}: the client secret file ${path} does not exist`);
      else {
        clientSecret = readFileSync(path, 'utf8').trim();
        if (clientSecret === '') problems.push(`PASSDROP_OIDC_PROVIDERS: ${raw.id}: the client secret file ${path} is empty`);
      }
    } else if (raw.clientSecretEnv !== undefined) {
      clientSecret = env[raw.clientSecretEnv]?.trim();
      if (!clientSecret) problems.push(`PASSDROP_OIDC_PROVIDERS: ${raw.id}: the environment variable ${raw.clientSecretEnv} (its client secret) is not set`);
    }
    const scopes = raw.scopes ?? ['openid', 'email', 'profile'];
    return {
      id: raw.id,
      name: raw.name.trim(),
      issuer: raw.issuer.trim(),
      clientId: raw.clientId,
      clientSecret,
      scopes: scopes.includes('openid') ? scopes : ['openid', ...scopes],
      groupsClaim: raw.groupsClaim ?? 'groups',
      adminGroups: raw.adminGroups ?? [],
      endSession: raw.endSession ?? true,
      assumeEmailVerified: raw.assumeEmailVerified ?? false,
    };
  });
  if (values.PASSDROP_SSO_ONLY && providers.length === 0) problems.push('PASSDROP_SSO_ONLY needs at least one provider in PASSDROP_OIDC_PROVIDERS');
  return {
    providers,
    ssoOnly: values.PASSDROP_SSO_ONLY,
    passkeys: values.PASSDROP_PASSKEYS_ENABLED,
    mfaSatisfiedBy: values.PASSDROP_MFA_SATISFIED_BY as MfaSatisfier[],
  };
}
