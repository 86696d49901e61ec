import { errorCatalogue, formatErrorMessage, type ErrorCode } from './error-catalogue.js';

/**
 * One problem with one field of a request. Each surface renders it in its own words from `code` and
 * `params` (Password Pusher's English on its routes, our JSON, a translated sentence on pages); `message`
 * is the English sentence that follows the field name ("payload: is required.").
 */
export interface FieldProblem {
  readonly field: string;
  /** Stable: 'required', 'too_long', 'out_of_range', 'not_a_whole_number', 'invalid_url', 'wrong_type', … */
  readonly code: string;
  /** The values the message names, such as { max: 1024 } or { min: 1, max: 100 }. */
  readonly params?: Readonly<Record<string, string | number>>;
  readonly message: string;
}

/** An expected failure with a catalogue code; each surface's error handler renders it. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly details: readonly FieldProblem[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    options: {
      params?: Record<string, string | number>;
      details?: readonly FieldProblem[];
      headers?: Record<string, string>;
    } = {},
  ) {
    super(formatErrorMessage(code, options.params));
    this.name = 'AppError';
    this.code = code;
    this.statusCode = errorCatalogue[code].status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export function validationError(details: readonly FieldProblem[]): AppError {
  return new AppError('VALIDATION_FAILED', {
    params: { summary: details.map((detail) => `${detail.field}: ${detail.message}`).join('; ') },
    details,
  });
}
