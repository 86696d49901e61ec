import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mfaSatisfied } from './mfa-policy.js';

describe('mfaSatisfied (PASSDROP_REQUIRE_MFA with PASSDROP_MFA_SATISFIED_BY)', () => {
  const plain = { twoFactorEnabled: false, passkeyCount: 0 };
  const withPasskey = { twoFactorEnabled: false, passkeyCount: 1 };
  const sso = { signInMethod: 'sso:keycloak' };
  const password = { signInMethod: 'password' };

  it('takes TOTP always', () => assert.equal(mfaSatisfied({ twoFactorEnabled: true, passkeyCount: 0 }, [], password), true));
  it('takes a passkey only when the operator says so', () => {
    assert.equal(mfaSatisfied(withPasskey, [], password), false);
    assert.equal(mfaSatisfied(withPasskey, ['passkey'], password), true);
    assert.equal(mfaSatisfied(withPasskey, ['passkey']), true, 'an API token of an account with a passkey');
    assert.equal(mfaSatisfied(plain, ['passkey'], password), false);
  });
  it('takes a single sign-on session only when the operator says so, and never a token', () => {
    assert.equal(mfaSatisfied(plain, [], sso), false);
    assert.equal(mfaSatisfied(plain, ['sso'], sso), true);
    assert.equal(mfaSatisfied(plain, ['sso'], password), false);
    assert.equal(mfaSatisfied(plain, ['sso']), false);
  });
});
