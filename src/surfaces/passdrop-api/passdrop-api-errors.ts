import type { AccessLevel, AccessRefusal } from '../../accounts/access-policy.js';
import { AppError } from '../../errors/app-error.js';

/**
 * Our API's answer to a refused access: 401 for a missing or invalid token, 403 otherwise. On a
 * `visitor` route (creating a push) the 401 says that this server takes new secrets only from accounts.
 */
export function refusalError(reason: AccessRefusal, level: AccessLevel): AppError {
  switch (reason) {
    case 'sign_in_required':
    case 'second_factor_owed':
      return new AppError(level === 'visitor' ? 'ANONYMOUS_CREATION_DISABLED' : 'SIGN_IN_REQUIRED');
    case 'credentials_invalid':
      return new AppError('UNAUTHENTICATED');
    case 'mfa_required':
      return new AppError('MFA_REQUIRED');
    case 'not_admin':
      return new AppError('NOT_AN_ADMIN');
    default:
      throw new Error(`unhandled refusal ${String(reason satisfies never)}`);
  }
}
