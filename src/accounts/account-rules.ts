import type { FieldProblem } from '../errors/app-error.js';

export const PASSWORD_LENGTH = { min: 10, max: 128 } as const;
const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const EMAIL_MAX_LENGTH = 254;

/** Problems with a password, counted in characters (not bytes); pages translate them by code. */
export function passwordProblems(password: string, field = 'password'): FieldProblem[] {
  const length = [...password].length;
  return length < PASSWORD_LENGTH.min || length > PASSWORD_LENGTH.max
    ? [{ field, code: 'length', params: { min: PASSWORD_LENGTH.min, max: PASSWORD_LENGTH.max }, message: `must be between ${PASSWORD_LENGTH.min} and ${PASSWORD_LENGTH.max} characters.` }]
    : [];
}

export function emailProblems(email: string, allowedPattern: RegExp | undefined): FieldProblem[] {
  const trimmed = email.trim();
  if (!EMAIL_PATTERN.test(trimmed) || trimmed.length > EMAIL_MAX_LENGTH) return [{ field: 'email', code: 'invalid_email', message: 'must be an email address.' }];
  if (allowedPattern && !allowedPattern.test(trimmed)) return [{ field: 'email', code: 'not_allowed', message: 'is not allowed to sign up here.' }];
  return [];
}

export function validateNewAccount(email: string, password: string, allowedPattern: RegExp | undefined): FieldProblem[] {
  return [...emailProblems(email, allowedPattern), ...passwordProblems(password)];
}
