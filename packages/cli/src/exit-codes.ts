/**
 * The `passdrop` command's exit codes (documented in its README and `passdrop --help`). Scripts can
 * tell "the secret is gone" (3) from "wrong passphrase or token" (4) from "the server is down" (5).
 */
export const EXIT = {
  /** Done. */
  ok: 0,
  /** Anything else: the server failed (5xx) or answered something unexpected. */
  failure: 1,
  /** Called the wrong way: unknown option, missing secret, or options the server refused (400/413/422). */
  usage: 2,
  /** No such push, or it has expired (views used up, time ran out, deleted, locked). */
  notFound: 3,
  /** Authentication: no or invalid API token, wrong or missing passphrase, too many attempts, not yours. */
  auth: 4,
  /** The server cannot be reached, or is neither a Passdrop nor a Password Pusher server. */
  network: 5,
  /** The link is damaged: its key (after #) is missing or does not open the secret. */
  damagedLink: 6,
  /** Opening would use the last view and there is no terminal to ask: pass --yes. */
  confirmationNeeded: 7,
  /** Interrupted at a prompt (Ctrl-C), as shells report SIGINT. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An expected failure: its message goes to stderr as is (no stack) and the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit-code table as `passdrop --help` prints it. */
export const EXIT_CODE_HELP = `Exit codes:
  0  done
  1  other failure (server error, unexpected answer)
  2  usage: bad option or argument, no secret given, or the server refused the options
  3  no such push, request or answer, or it has expired or closed
  4  authentication: API token missing or invalid, passphrase wrong or missing, too many attempts,
     requester key missing or wrong
  5  network: server unreachable, or not a Passdrop or Password Pusher server
  6  the link is damaged (its key or key fingerprint after # is missing or wrong; nothing is sent)
  7  opening would use the last view and there is no terminal to confirm: pass --yes
  130  interrupted`;
