import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

/** One person the test provider knows, by the login name typed on its (development) sign-in form. */
export interface TestIdentity {
  readonly email?: string;
  readonly emailVerified?: boolean;
  readonly groups?: readonly string[];
}

/** Switches a test flips to make the provider misbehave in one precise way. */
export interface ProviderFaults {
  /** The next authorization request's nonce is replaced, so the ID token carries a nonce the client never sent. */
  wrongNonce: boolean;
  /** Authorization codes live this many seconds (default 60). */
  codeTtlSeconds: number;
  /**
   * Hold the next redirect back to the relying party: its URL (code and state) goes to `heldCallback` and the
   * browser gets a plain page instead, so a test can tamper with it or use it late.
   */
  holdCallback: boolean;
  heldCallback: string | undefined;
}

/** A real OpenID Connect provider (panva's `oidc-provider`) on a loopback port, for the whole SSO flow. */
export interface OidcTestProvider {
  /** The issuer URL: `http://127.0.0.1:PORT`. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly faults: ProviderFaults;
  /**
   * Starts answering, with one confidential client whose redirect URIs are these (known only once the
   * relying party listens, hence after the issuer). People sign in on the provider's development
   * interaction pages (any password) by a login name from `identities`; the ID token and userinfo carry
   * `email`, `email_verified` and `groups` from that entry.
   */
  serve(options: { redirectUris: readonly string[]; postLogoutRedirectUris?: readonly string[]; identities: Readonly<Record<string, TestIdentity>> }): void;
  stop(): Promise<void>;
}

/** Listens on a loopback port (so the issuer is known) and answers nothing until `serve`. */
export async function startOidcTestProvider(): Promise<OidcTestProvider> {
  const httpServer: Server = createServer();
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
  const clientId = 'passdrop-test';
  const clientSecret = 'a-client-secret-for-the-test-provider-only';
  const faults: ProviderFaults = { wrongNonce: false, codeTtlSeconds: 60, holdCallback: false, heldCallback: undefined };
  return {
    issuer,
    clientId,
    clientSecret,
    faults,
    serve(options) {
      httpServer.on('request', providerFor(issuer, clientId, clientSecret, faults, options).callback());
    },
    async stop() {
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

function providerFor(
  issuer: string,
  clientId: string,
  clientSecret: string,
  faults: ProviderFaults,
  options: Parameters<OidcTestProvider['serve']>[0],
): Provider {
  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [...options.redirectUris],
        post_logout_redirect_uris: [...(options.postLogoutRedirectUris ?? [])],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['groups'] },
    scopes: ['openid', 'email', 'profile'],
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    ttl: { AuthorizationCode: () => faults.codeTtlSeconds },
    async findAccount(_ctx, sub) {
      const identity = options.identities[sub];
      if (identity === undefined) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            ...(identity.email === undefined ? {} : { email: identity.email, email_verified: identity.emailVerified ?? true }),
            ...(identity.groups === undefined ? {} : { groups: [...identity.groups] }),
          };
        },
      };
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.use(async (ctx, next) => {
    if (ctx.path === '/auth' && faults.wrongNonce && typeof ctx.query.nonce === 'string') {
      faults.wrongNonce = false;
      ctx.query = { ...ctx.query, nonce: 'a-nonce-the-client-never-sent' };
    }
    await next();
    const location = ctx.response.get('location');
    if (faults.holdCallback && ctx.status >= 300 && ctx.status < 400 && options.redirectUris.some((uri) => location.startsWith(uri))) {
      faults.holdCallback = false;
      faults.heldCallback = location;
      ctx.status = 200;
      ctx.remove('location');
      ctx.type = 'text/html';
      ctx.body = '<!doctype html><title>Held</title><p id="held">The redirect back was held by the test.</p>';
    }
  });
  return provider;
}
