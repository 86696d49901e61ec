import type { Database } from '../storage/open-database.js';
import { writeTransaction } from '../storage/write-transaction.js';
import { newEventId } from './outbox-store.js';

/** A queued request to email a push's link: its sealed recipients and, when the sender sent it whole, the sealed link. */
export interface LinkEmailRecord {
  readonly id: number;
  readonly pushId: number;
  readonly userId: number;
  readonly recipientsEnvelope: Buffer;
  readonly recipientsCount: number;
  /** A language code from src/web/i18n/languages.ts. */
  readonly locale: string;
  /** Only for end-to-end pushes (the whole link, key included); null: the server builds the link. */
  readonly linkEnvelope: Buffer | null;
  readonly createdAt: number;
  /** The push as it is now, for the mail. */
  readonly push: { readonly token: string; readonly retrievalStep: boolean; readonly expired: boolean; readonly expiresAt: number; readonly passphraseProtected: boolean };
}

export interface NewLinkEmail {
  readonly pushId: number;
  readonly userId: number;
  readonly recipientsEnvelope: Buffer;
  readonly recipientsCount: number;
  readonly locale: string;
  readonly linkEnvelope: Buffer | null;
}

/** What the limits are checked against, read inside the queueing transaction. */
export interface LinkEmailCounts {
  /** Recipients this push's link was already queued for. */
  readonly forPush: number;
  /** Recipients this account queued since the start of the 24-hour window. */
  readonly forUserToday: number;
}

export interface LinkEmailStore {
  /**
   * Queues the mails in one transaction: the request row, an outbox row (`push.link_emailed`, already
   * dispatched: it goes to no webhook) and one delivery per recipient, claimed and retried by the
   * notification worker. `admit` sees the counts inside the transaction and may refuse (answers its reason).
   */
  queue<R>(
    request: NewLinkEmail,
    options: { now: number; retryWindowMs: number; dayStart: number; admit: (counts: LinkEmailCounts) => R | undefined },
  ): Promise<{ queued: true; id: number } | { queued: false; refusal: R }>;
  find(id: number): Promise<LinkEmailRecord | undefined>;
  /** Re-seals every stored envelope (recipients, link) with `rewrap(envelope, pushToken, field)`; answers how many changed. */
  rewrapEnvelopes(rewrap: (envelope: Buffer, pushToken: string, field: string) => Buffer): Promise<number>;
}

/** Where a link email's envelopes are sealed (the envelope's associated data): bound to the push. */
export const linkEmailEnvelopeContext = (pushToken: string, field: 'notify_recipients' | 'notify_link') => ({ pushToken, field }) as const;

/** The link-email store on SQLite or PostgreSQL. */
/** Opens a push's sealed link token (src/pushes/push-link-vault.ts, migration 0015), given its envelope and digest. */
export interface LinkTokenOpener {
  open(envelope: Buffer, digest: string): string;
}

/** `links` opens a push's sealed link token, which the envelopes' associated data names. */
export function createLinkEmailStore(database: Database, links: LinkTokenOpener): LinkEmailStore {
  const tokenOf = (row: { link_digest: string; push_link_envelope: Buffer | null }): string =>
    // A push row not yet converted (written before migration 0015) still holds the token itself.
    row.push_link_envelope === null ? row.link_digest : links.open(Buffer.from(row.push_link_envelope), row.link_digest);
  const { db } = database;
  return {
    async queue(request, { now, retryWindowMs, dayStart, admit }) {
      return writeTransaction(database, async (trx) => {
        const sum = (column: 'push_id' | 'user_id', value: number, since?: number) =>
          trx
            .selectFrom('push_link_emails')
            .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('recipients_count'), eb.val(0)).as('total'))
            .where(column, '=', value)
            .$if(since !== undefined, (query) => query.where('created_at', '>=', since!))
            .executeTakeFirstOrThrow();
        const counts = { forPush: Number((await sum('push_id', request.pushId)).total), forUser: Number((await sum('user_id', request.userId, dayStart)).total) };
        const refusal = admit({ forPush: counts.forPush, forUserToday: counts.forUser });
        if (refusal !== undefined) return { queued: false as const, refusal };
        const row = await trx
          .insertInto('push_link_emails')
          .values({
            push_id: request.pushId,
            user_id: request.userId,
            recipients_envelope: request.recipientsEnvelope,
            recipients_count: request.recipientsCount,
            locale: request.locale,
            link_envelope: request.linkEnvelope,
            next_attempt_at: now,
            created_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const outbox = await trx
          .insertInto('notification_outbox')
          .columns(['event_id', 'type', 'push_id', 'owner_user_id', 'subject_name', 'occurred_at', 'dispatched_at'])
          .expression((eb) =>
            eb
              .selectFrom('pushes')
              .select((inner) => [
                inner.val(newEventId()).as('event_id'),
                inner.val('push.link_emailed').as('type'),
                'id',
                'owner_user_id',
                'name',
                inner.val(now).as('occurred_at'),
                inner.val(now).as('dispatched_at'),
              ])
              .where('id', '=', request.pushId),
          )
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('notification_deliveries')
          .values(
            Array.from({ length: request.recipientsCount }, (_, index) => ({
              outbox_id: outbox.id,
              channel: 'link_email',
              webhook_id: null,
              user_id: request.userId,
              link_email_id: row.id,
              recipient_index: index,
              next_attempt_at: now,
              give_up_at: now + retryWindowMs,
              created_at: now,
            })),
          )
          .execute();
        return { queued: true as const, id: Number(row.id) };
      });
    },

    async find(id) {
      const row = await db
        .selectFrom('push_link_emails')
        .innerJoin('pushes', 'pushes.id', 'push_link_emails.push_id')
        .selectAll('push_link_emails')
        .select(['pushes.link_digest', 'pushes.link_envelope as push_link_envelope', 'pushes.retrieval_step', 'pushes.expired', 'pushes.expires_at', 'pushes.passphrase_protected'])
        .where('push_link_emails.id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        id: Number(row.id),
        pushId: Number(row.push_id),
        userId: Number(row.user_id),
        recipientsEnvelope: row.recipients_envelope,
        recipientsCount: row.recipients_count,
        locale: row.locale,
        linkEnvelope: row.link_envelope,
        createdAt: Number(row.created_at),
        push: {
          token: tokenOf(row),
          retrievalStep: row.retrieval_step === 1,
          expired: row.expired === 1,
          expiresAt: Number(row.expires_at),
          passphraseProtected: row.passphrase_protected === 1,
        },
      };
    },

    async rewrapEnvelopes(rewrap) {
      const rows = await db
        .selectFrom('push_link_emails')
        .innerJoin('pushes', 'pushes.id', 'push_link_emails.push_id')
        .select(['push_link_emails.id', 'pushes.link_digest', 'pushes.link_envelope as push_link_envelope', 'push_link_emails.recipients_envelope', 'push_link_emails.link_envelope'])
        .execute();
      let changed = 0;
      for (const row of rows) {
        const token = tokenOf(row);
        const recipients = rewrap(row.recipients_envelope, token, 'notify_recipients');
        const link = row.link_envelope === null ? null : rewrap(row.link_envelope, token, 'notify_link');
        const count = (recipients === row.recipients_envelope ? 0 : 1) + (link === row.link_envelope ? 0 : 1);
        if (count === 0) continue;
        await db.updateTable('push_link_emails').set({ recipients_envelope: recipients, link_envelope: link }).where('id', '=', row.id).execute();
        changed += count;
      }
      return changed;
    },
  };
}
