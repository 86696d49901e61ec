import type { Expiry } from './expiry-option.js';
import type { RevealedFile } from './file-transfer.js';
import type { PendingPush } from './pending-pushes.js';
import type { SecretLink } from './server-address.js';

/** The kinds the CLI pushes today (file pushes come with the files feature). */
export type CliPushKind = 'text' | 'url' | 'qr';
export const CLI_PUSH_KINDS: readonly CliPushKind[] = ['text', 'url', 'qr'];

/** A push to create: the payload as exact bytes (UTF-8 text), and the creator's choices (undefined: the server's default). */
export interface NewPush {
  readonly kind: CliPushKind;
  readonly payload: Uint8Array;
  readonly passphrase: string | undefined;
  readonly expiry: Expiry | undefined;
  readonly views: number | undefined;
  readonly retrievalStep: boolean | undefined;
  readonly deletableByViewer: boolean | undefined;
  readonly name: string | undefined;
  readonly note: string | undefined;
}

/** A file push to create: the files' paths (each sent as a stream), and the same choices as any push. */
export interface NewFilePush extends Omit<NewPush, 'kind' | 'payload'> {
  readonly paths: readonly string[];
  /** Where and under which id the push is kept until it exists (pending-pushes.ts), and how it will be printed. */
  readonly pending: { readonly directory: string; readonly id: string; readonly output: PendingPush['output'] };
  /** Hears the bytes sent of file `index` (its record stream: a little more than the file). */
  readonly onProgress?: (index: number, sent: number, total: number) => void;
}

/** A created push, as the CLI reports it. */
export interface CreatedPush {
  /** The link to send: with the key after # for an end-to-end push. */
  readonly link: string;
  readonly token: string;
  /** "client": encrypted here, the server holds only ciphertext; "server": the server saw the payload. */
  readonly encryption: 'client' | 'server';
  readonly views: number;
  /** When the lifetime runs out (Passdrop), or undefined when only whole days are known (Password Pusher). */
  readonly expiresAt: Date | undefined;
  /** Lifetime in whole days, for servers that count days (Password Pusher). */
  readonly days: number | undefined;
  readonly passphrase: boolean;
  readonly retrievalStep: boolean;
  /** The server's own JSON answer (for --json). */
  readonly serverJson: unknown;
}

/** What the recipient's side of `get` asks the person: the passphrase, and whether to use the last view. */
export interface OpenPrompts {
  /** Called when the push needs a passphrase; `attempt` counts from 1 (a later attempt: the previous one was wrong). */
  passphrase(attempt: number): Promise<string>;
  /** Called before a request that uses the last view, or a view when the server cannot say how many are left (undefined). */
  confirmView(viewsRemaining: number | undefined): Promise<void>;
}

/** An opened push: the payload's exact bytes and what is left. */
export interface OpenedPush {
  readonly kind: string;
  readonly payload: Uint8Array;
  readonly viewsRemaining: number | undefined;
  readonly expired: boolean;
  readonly expiresAt: Date | undefined;
  readonly encryption: 'client' | 'server';
  /** File pushes: the files, downloadable for the view's window; `fileRoot` opens end-to-end ones (null: server-side). */
  readonly files?: { readonly list: readonly RevealedFile[]; readonly fileRoot: Uint8Array | null } | undefined;
}

/** One of the caller's pushes (list), from Password Pusher's push object, which both server kinds answer. */
export interface OwnedPush {
  readonly token: string;
  readonly name: string;
  readonly link: string;
  readonly expired: boolean;
  readonly viewsRemaining: number;
  readonly expireAfterViews: number;
  readonly daysRemaining: number;
  readonly createdAt: string;
  readonly expiredOn: string | null;
}

/** One audit event, oldest first. */
export interface AuditEvent {
  readonly kind: string;
  readonly createdAt: string;
  readonly ip: string;
  readonly userAgent: string;
  readonly referrer: string;
}

/** A server the CLI talks to: Passdrop (own API, end-to-end) or Password Pusher (v2 API, server-side encryption). */
export interface PushServer {
  readonly flavour: 'passdrop' | 'password-pusher';
  /** The normalised base URL. */
  readonly base: string;
  create(push: NewPush): Promise<CreatedPush>;
  /** A file push, end to end (Passdrop servers only). */
  createFilePush?(push: NewFilePush): Promise<CreatedPush>;
  /** Finishes a file push an earlier run started (`passdrop resume`): the rest of its uploads, then the push. */
  resumeFilePush?(pending: PendingPush, directory: string, onProgress?: (index: number, sent: number, total: number) => void): Promise<CreatedPush>;
  open(link: SecretLink, prompts: OpenPrompts): Promise<OpenedPush>;
  list(expired: boolean): Promise<OwnedPush[]>;
  audit(token: string): Promise<AuditEvent[]>;
  /** Expires a push now (owner, or a recipient when the sender allowed it); returns the server's JSON. */
  expire(token: string): Promise<unknown>;
  /** Whether the server accepts the API token this client was made with. */
  verifyToken(): Promise<boolean>;
}
