import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideAccess, type AccessLevel, type Authentication } from './access-policy.js';
import type { UserRecord } from './account-store.js';

const user = { id: 1, email: 'a@example.com', admin: false, twoFactorEnabled: false } as unknown as UserRecord;
const admin = { ...user, id: 2, admin: true } as UserRecord;

const cases: Array<[AccessLevel, Authentication, boolean, string]> = [
  ['public', { kind: 'invalid' }, false, 'ok'],
  ['visitor', { kind: 'anonymous' }, true, 'ok'],
  ['visitor', { kind: 'anonymous' }, false, 'sign_in_required'],
  ['visitor', { kind: 'invalid' }, true, 'credentials_invalid'],
  ['visitor', { kind: 'mfa_owed', user, via: 'token' }, true, 'mfa_required'],
  ['visitor', { kind: 'second_factor_pending', user }, true, 'ok'],
  ['visitor', { kind: 'second_factor_pending', user }, false, 'sign_in_required'],
  ['visitor', { kind: 'account', user, via: 'token' }, false, 'ok'],
  ['session', { kind: 'mfa_owed', user, via: 'session' }, true, 'ok'],
  ['session', { kind: 'mfa_owed', user, via: 'token' }, true, 'mfa_required'],
  ['session', { kind: 'account', user, via: 'token' }, true, 'sign_in_required'],
  ['account', { kind: 'anonymous' }, true, 'sign_in_required'],
  ['account', { kind: 'second_factor_pending', user }, true, 'second_factor_owed'],
  ['account', { kind: 'mfa_owed', user, via: 'session' }, true, 'mfa_required'],
  ['account', { kind: 'account', user, via: 'session' }, true, 'ok'],
  ['admin', { kind: 'account', user, via: 'session' }, true, 'not_admin'],
  ['admin', { kind: 'account', user: admin, via: 'token' }, true, 'ok'],
];

describe('decideAccess', () => {
  for (const [level, authentication, allowAnonymous, expected] of cases) {
    it(`${level} for ${authentication.kind}${'via' in authentication ? ` by ${authentication.via}` : ''} (anonymous ${allowAnonymous}) is ${expected}`, () => {
      const decision = decideAccess(level, authentication, { allowAnonymous });
      assert.equal(decision.ok ? 'ok' : decision.reason, expected);
    });
  }
});
