import type { Selectable } from 'kysely';
import type { WebhooksTable } from '../storage/database-schema.js';
import type { Database } from '../storage/open-database.js';
import { parseEventTypes, type NotificationEventType } from './event-catalogue.js';

/** A webhook: an account's own (ownerUserId) or instance-wide (ownerUserId null, managed by admins). */
export interface WebhookRecord {
  readonly id: number;
  readonly ownerUserId: number | null;
  readonly url: string;
  readonly events: readonly NotificationEventType[];
  /** The signing secret sealed with the master key; only the delivery and the owner's reveal open it. */
  readonly secretEnvelope: Buffer;
  readonly description: string;
  readonly enabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface NewWebhook {
  readonly ownerUserId: number | null;
  readonly url: string;
  readonly events: readonly NotificationEventType[];
  readonly secretEnvelope: Buffer;
  readonly description: string;
  readonly enabled: boolean;
}

export interface WebhookChange {
  readonly url?: string;
  readonly events?: readonly NotificationEventType[];
  readonly description?: string;
  readonly enabled?: boolean;
  readonly secretEnvelope?: Buffer;
}

export interface WebhookStore {
  create(webhook: NewWebhook, now: number): Promise<WebhookRecord>;
  find(id: number): Promise<WebhookRecord | undefined>;
  /** An account's webhooks (or, with null, the instance-wide ones), oldest first. */
  list(ownerUserId: number | null): Promise<WebhookRecord[]>;
  count(ownerUserId: number): Promise<number>;
  update(id: number, change: WebhookChange, now: number): Promise<WebhookRecord | undefined>;
  /** Deletes the webhook and its delivery log; answers whether it existed. */
  delete(id: number): Promise<boolean>;
  /** Re-seals every webhook's secret with `rewrap` (`passdrop-server rotate-keys`); answers how many changed. */
  rewrapSecrets(rewrap: (envelope: Buffer) => Buffer): Promise<number>;
}

/** The webhook store on SQLite or PostgreSQL. */
export function createWebhookStore(database: Database): WebhookStore {
  const { db } = database;
  return {
    async create(webhook, now) {
      const row = await db
        .insertInto('webhooks')
        .values({
          owner_user_id: webhook.ownerUserId,
          url: webhook.url,
          events: webhook.events.join(' '),
          secret_envelope: webhook.secretEnvelope,
          description: webhook.description,
          enabled: webhook.enabled ? 1 : 0,
          created_at: now,
          updated_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toWebhookRecord(row);
    },
    async find(id) {
      const row = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toWebhookRecord(row) : undefined;
    },
    async list(ownerUserId) {
      const rows = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('owner_user_id', ownerUserId === null ? 'is' : '=', ownerUserId)
        .orderBy('id')
        .execute();
      return rows.map(toWebhookRecord);
    },
    async count(ownerUserId) {
      const row = await db.selectFrom('webhooks').select((eb) => eb.fn.countAll<number>().as('count')).where('owner_user_id', '=', ownerUserId).executeTakeFirstOrThrow();
      return Number(row.count);
    },
    async update(id, change, now) {
      const row = await db
        .updateTable('webhooks')
        .set({
          updated_at: now,
          ...(change.url !== undefined ? { url: change.url } : {}),
          ...(change.events !== undefined ? { events: change.events.join(' ') } : {}),
          ...(change.description !== undefined ? { description: change.description } : {}),
          ...(change.enabled !== undefined ? { enabled: change.enabled ? 1 : 0 } : {}),
          ...(change.secretEnvelope !== undefined ? { secret_envelope: change.secretEnvelope } : {}),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row ? toWebhookRecord(row) : undefined;
    },
    async delete(id) {
      const result = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async rewrapSecrets(rewrap) {
      const rows = await db.selectFrom('webhooks').select(['id', 'secret_envelope']).execute();
      let changed = 0;
      for (const row of rows) {
        const rewrapped = rewrap(row.secret_envelope);
        if (rewrapped === row.secret_envelope) continue;
        await db.updateTable('webhooks').set({ secret_envelope: rewrapped }).where('id', '=', row.id).execute();
        changed += 1;
      }
      return changed;
    },
  };
}

function toWebhookRecord(row: Selectable<WebhooksTable>): WebhookRecord {
  return {
    id: Number(row.id),
    ownerUserId: row.owner_user_id === null ? null : Number(row.owner_user_id),
    url: row.url,
    events: parseEventTypes(row.events),
    secretEnvelope: row.secret_envelope,
    description: row.description,
    enabled: row.enabled === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
