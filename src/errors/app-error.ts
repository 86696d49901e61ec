import { errorCatalogue, formatErrorMessage, type ErrorCode } from './error-catalogue.js';

export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

/** An expected failure with a catalogue code; the error handler turns it into the JSON error body. */
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
