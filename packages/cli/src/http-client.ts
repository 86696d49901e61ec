import { CLI_VERSION } from './cli-version.js';
import { CliError, EXIT } from './exit-codes.js';

/** A server's answer: its status and its body parsed as JSON (undefined when it is not JSON). */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'DELETE';
  /** Sent as JSON. */
  readonly body?: unknown;
  /** An API token, sent as `Authorization: Bearer TOKEN`. */
  readonly token?: string | undefined;
  /** Milliseconds before giving up; 30 s by default. */
  readonly timeoutMs?: number;
}

/**
 * One JSON request. Redirects are not followed (a secret's answer must come from the server asked).
 * Throws a CliError with the network exit code when the server cannot be reached or does not answer
 * in time; any HTTP status is returned for the caller to judge.
 */
export async function requestJson(url: string, options: RequestOptions = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': `passdrop-cli/${CLI_VERSION}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch (error) {
    throw new CliError(`Cannot reach ${new URL(url).origin}: ${describeNetworkError(error)}.`, EXIT.network);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, headers: response.headers };
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer in time';
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
