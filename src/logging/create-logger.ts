import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactUrl } from './redact-url.js';

/**
 * Paths pino blanks wherever they appear in a log line. Request bodies are never logged, but these also
 * catch a secret that a future log call passes by mistake.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-user-token"]',
  'req.headers["x-user-email"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-user-token"]',
  '*.payload',
  '*.passphrase',
  '*.note',
  '*.token',
  '*.password',
  '*.masterKey',
  'payload',
  'passphrase',
  'note',
  'token',
  'password',
];

interface LoggableRequest {
  method: string;
  url: string;
  ip: string;
  id: string;
}

interface LoggableError {
  name?: string;
  code?: string;
  message?: string;
  stack?: string;
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    serializers: {
      // Only these fields: Fastify's default would include the raw URL with its query string.
      req: (request: LoggableRequest) => ({ method: request.method, url: redactUrl(request.url), ip: request.ip }),
      res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
      // Driver errors can carry row values in extra fields (pg's `detail`); keep only what helps debugging.
      err: (error: LoggableError) => ({ type: error.name, code: error.code, message: error.message, stack: error.stack }),
    },
  };
}

/** The process logger: JSON lines on stdout, or on `destination` (tests capture it). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
