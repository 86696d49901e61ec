import type { BrowserContext, CDPSession, Page } from 'playwright-core';

/** A credential as Chromium's WebAuthn domain exports it (`WebAuthn.getCredentials`), to clone it elsewhere. */
export interface VirtualCredential {
  credentialId: string;
  privateKey: string;
  rpId?: string;
  userHandle?: string;
  signCount: number;
  isResidentCredential: boolean;
}

/**
 * A virtual platform authenticator (CDP WebAuthn domain) in one page's browser context: resident keys,
 * user verification, and presence simulated, so WebAuthn ceremonies finish without a person.
 */
export async function virtualAuthenticator(context: BrowserContext, page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  return { cdp, authenticatorId };
}
