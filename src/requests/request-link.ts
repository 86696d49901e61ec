import { keyFingerprint } from '../crypto/requests/request-answer-format.js';
import type { RequestRecord } from './request-record.js';

/**
 * The link a responder opens: `<site>/req/<token>#<fingerprint>`, the fingerprint of the requester's
 * public key in the fragment (docs/requests-encryption.md). `siteUrl` is the public URL of the site root,
 * base path included, without a trailing slash.
 *
 * @example await requestLink('https://secrets.example.com', request) // 'https://secrets.example.com/req/abc…#Yx3…'
 */
export async function requestLink(siteUrl: string, request: Pick<RequestRecord, 'token' | 'publicKey'>): Promise<string> {
  return `${siteUrl}/req/${request.token}#${await keyFingerprint(request.publicKey)}`;
}
