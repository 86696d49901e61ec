import type { Generated } from 'kysely';

/**
 * Kysely's view of the tables. Times are integer milliseconds since the epoch and flags are 0/1 integers
 * on both dialects, so one store implementation serves SQLite and PostgreSQL unchanged.
 */
export interface SchemaMigrationsTable {
  id: string;
  applied_at: number;
}

export interface InstanceSettingsTable {
  key: string;
  value: string;
  updated_at: number;
}

export interface PushesTable {
  id: Generated<number>;
  /**
   * Migration 0015: the SHA-256 digest (base64url) of the link token, for look-ups; a row written
   * before it holds the plaintext token here until the startup step seals it (link_envelope null).
   */
  link_digest: string;
  /** Migration 0015: the link token sealed with the master key (src/pushes/push-link-vault.ts). */
  link_envelope: Generated<Buffer | null>;
  kind: string;
  owner_user_id: number | null;
  name: string;
  encryption: string;
  expire_after_days: number | null;
  expire_after_views: number;
  views_remaining: number;
  expires_at: number;
  retrieval_step: number;
  deletable_by_viewer: number | null;
  passphrase_record: string | null;
  /** Migration 0006: SHA-256 record of a format-2 end-to-end push's link proof. */
  link_proof_record: Generated<string | null>;
  /** Migration 0006: 1 when the push was created with a passphrase (kept after expiry). */
  passphrase_protected: Generated<number>;
  passphrase_failures: Generated<number>;
  passphrase_window_start: Generated<number>;
  passphrase_window_count: Generated<number>;
  note_envelope: Buffer | null;
  audit_event_count: Generated<number>;
  expired: Generated<number>;
  expired_at: number | null;
  expire_reason: string | null;
  created_at: number;
  updated_at: number;
  /** Space-separated event types the owner wants receipts for; null: the owner's default (migration 0007). */
  receipt_events: Generated<string | null>;
  /** 'email', 'dashboard', both (space-separated) or ''; null with receipt_events null. */
  receipt_channels: Generated<string | null>;
}

export interface PushPayloadsTable {
  push_id: number;
  payload_envelope: Buffer;
}

export interface AuditEventsTable {
  id: Generated<number>;
  push_id: number;
  kind: string;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
  referrer: string | null;
  user_id: number | null;
  created_at: number;
}

export interface UsersTable {
  id: Generated<number>;
  email: string;
  password_record: string | null;
  admin: Generated<number>;
  disabled: Generated<number>;
  created_at: number;
  updated_at: number;
  email_confirmed_at: number | null;
  failed_sign_ins: Generated<number>;
  locked_until: number | null;
  totp_envelope: Buffer | null;
  totp_last_step: number | null;
  last_sign_in_at: number | null;
  passkey_count: Generated<number>;
}
export interface SessionsTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  csrf_token: string;
  mfa_pending: Generated<number>;
  ip: string | null;
  user_agent: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  sign_in_method: Generated<string>;
}
export interface BackupCodesTable {
  id: Generated<number>;
  user_id: number;
  code_digest: string;
  used_at: number | null;
}
export interface EmailTokensTable {
  id: Generated<number>;
  token_hash: string;
  user_id: number;
  purpose: string;
  email: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}
export interface RateLimitWindowsTable {
  bucket: string;
  window_start: number;
  hits: number;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  prefix: string;
  token_hash: string;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  created_at: number;
}

export interface RequestsTable {
  id: Generated<number>;
  url_token: string;
  owner_user_id: number;
  name: string;
  requester_name: string;
  instructions_envelope: Buffer | null;
  key_algorithm: string;
  public_key: string;
  answers_allowed: number;
  answers_remaining: number;
  files_allowed: number;
  answer_lifetime_minutes: number;
  answer_views: number;
  expires_at: number;
  passphrase_record: string | null;
  passphrase_failures: Generated<number>;
  passphrase_window_start: Generated<number>;
  passphrase_window_count: Generated<number>;
  audit_event_count: Generated<number>;
  closed: Generated<number>;
  closed_at: number | null;
  close_reason: string | null;
  created_at: number;
  updated_at: number;
}

export interface RequestAnswersTable {
  id: Generated<number>;
  request_id: number;
  answer_token: string;
  kind: string;
  encryption: string;
  size_bytes: number;
  expire_after_views: number;
  views_remaining: number;
  expires_at: number;
  expired: Generated<number>;
  expired_at: number | null;
  expire_reason: string | null;
  created_at: number;
  updated_at: number;
  /** Until when the answer's files may be downloaded (migration 0019); null before a view. */
  files_until: Generated<number | null>;
}

export interface RequestAnswerPayloadsTable {
  answer_id: number;
  payload_envelope: Buffer;
}

export interface RequestAuditEventsTable {
  id: Generated<number>;
  request_id: number;
  answer_id: number | null;
  kind: string;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
  referrer: string | null;
  user_id: number | null;
  created_at: number;
}

export interface UserIdentitiesTable {
  id: Generated<number>;
  user_id: number;
  provider: string;
  subject: string;
  email: string | null;
  created_at: number;
  last_used_at: number | null;
}

export interface PasskeysTable {
  id: Generated<number>;
  user_id: number;
  credential_id: string;
  public_key: Buffer;
  counter: Generated<number>;
  transports: Generated<string>;
  name: string;
  created_at: number;
  last_used_at: number | null;
}

export interface SignInChallengesTable {
  id: Generated<number>;
  token_hash: string;
  purpose: string;
  data: string;
  expires_at: number;
}

export interface NotificationOutboxTable {
  id: Generated<number>;
  event_id: string;
  type: string;
  push_id: number | null;
  request_id: number | null;
  owner_user_id: number | null;
  subject_name: string;
  occurred_at: number;
  dispatched_at: number | null;
}

export interface WebhooksTable {
  id: Generated<number>;
  owner_user_id: number | null;
  url: string;
  events: string;
  secret_envelope: Buffer;
  description: string;
  enabled: number;
  created_at: number;
  updated_at: number;
}

export interface NotificationDeliveriesTable {
  id: Generated<number>;
  outbox_id: number;
  channel: string;
  webhook_id: number | null;
  user_id: number | null;
  status: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: number;
  give_up_at: number;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  last_response: string | null;
  finished_at: number | null;
  created_at: number;
  /** Channel 'link_email' (migration 0014): the push_link_emails row and the recipient's position in it. */
  link_email_id: Generated<number | null>;
  recipient_index: Generated<number | null>;
}

export interface NotificationInboxTable {
  id: Generated<number>;
  user_id: number;
  event_id: string;
  type: string;
  push_id: number | null;
  request_id: number | null;
  subject_name: string;
  occurred_at: number;
  read_at: number | null;
}

export interface ReceiptPreferencesTable {
  user_id: number;
  events: string;
  by_email: number;
  on_dashboard: number;
  updated_at: number;
  /** The language of receipt emails (migration 0018); NULL: English. */
  locale: string | null;
}

export interface PushLinkEmailsTable {
  id: Generated<number>;
  push_id: number;
  user_id: number;
  recipients_envelope: Buffer;
  recipients_count: number;
  locale: string;
  link_envelope: Buffer | null;
  status: Generated<string>;
  successful_sends: Generated<number>;
  error_message: string | null;
  attempts: Generated<number>;
  next_attempt_at: number;
  finished_at: number | null;
  created_at: number;
}

export interface PushFilesTable {
  id: Generated<number>;
  push_id: number;
  position: number;
  name: Generated<string>;
  content_type: Generated<string>;
  sealed_metadata: Buffer | null;
  size: number;
  stored_size: number;
  blob_key: string;
  wrapped_key: Buffer | null;
  upload_state: string;
  created_at: number;
  blob_deleted_at: number | null;
}

/** A revealed payload held for the GET after the reveal form's POST (migration 0016); taken once, a minute at most. */
export interface RevealHandoffsTable {
  id: Generated<number>;
  push_id: number;
  handle_digest: string;
  payload_envelope: Buffer;
  expires_at: number;
  created_at: number;
}

/** Resumable uploads not yet taken by a push (migration 0013). */
export interface FileUploadsTable {
  id: string;
  owner_user_id: number | null;
  mode: string;
  name: Generated<string>;
  content_type: Generated<string>;
  size: number;
  upload_offset: Generated<number>;
  wrapped_key: Buffer | null;
  blob_key: string | null;
  stored_size: number | null;
  created_at: number;
  active_at: number;
  completed_at: number | null;
  /** The request whose answer may take this upload (migration 0019); null for push uploads. */
  request_id: Generated<number | null>;
}

/** A file of a request answer (migration 0019): metadata only; the record stream is the blob under blob_key. */
export interface RequestAnswerFilesTable {
  id: Generated<number>;
  answer_id: number;
  position: number;
  sealed_metadata: Buffer;
  size: number;
  stored_size: number;
  blob_key: string;
  created_at: number;
  blob_deleted_at: number | null;
}

export interface PushFileGrantsTable {
  id: Generated<number>;
  push_id: number;
  grant_digest: string;
  expires_at: number;
  created_at: number;
}

export interface DatabaseSchema {
  user_identities: UserIdentitiesTable;
  passkeys: PasskeysTable;
  sign_in_challenges: SignInChallengesTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  backup_codes: BackupCodesTable;
  email_tokens: EmailTokensTable;
  rate_limit_windows: RateLimitWindowsTable;
  schema_migrations: SchemaMigrationsTable;
  instance_settings: InstanceSettingsTable;
  pushes: PushesTable;
  push_payloads: PushPayloadsTable;
  audit_events: AuditEventsTable;
  push_files: PushFilesTable;
  push_file_grants: PushFileGrantsTable;
  reveal_handoffs: RevealHandoffsTable;
  file_uploads: FileUploadsTable;
  requests: RequestsTable;
  request_answers: RequestAnswersTable;
  request_answer_payloads: RequestAnswerPayloadsTable;
  request_answer_files: RequestAnswerFilesTable;
  request_audit_events: RequestAuditEventsTable;
  notification_outbox: NotificationOutboxTable;
  webhooks: WebhooksTable;
  notification_deliveries: NotificationDeliveriesTable;
  notification_inbox: NotificationInboxTable;
  receipt_preferences: ReceiptPreferencesTable;
  push_link_emails: PushLinkEmailsTable;
}
