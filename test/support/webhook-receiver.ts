import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openEnvelope, sealEnvelope } from '../../src/crypto/envelope.js';
import { masterKeyFromHex } from '../../src/crypto/master-key-ring.js';
import { WEBHOOK_SECRET_CONTEXT } from '../../src/notifications/notification-delivery.js';
import { isEventType } from '../../src/notifications/event-catalogue.js';
import { verifyWebhook, newWebhookSecret } from '../../src/notifications/webhook-signature.js';
import { createWebhookStore } from '../../src/notifications/webhook-store.js';
import { openMigratedDatabase } from './open-test-store.js';
import type { TestDatabase } from './test-databases.js';

export interface ReceivedWebhook {
  readonly id: string;
  readonly timestamp: string;
  readonly signature: string;
  readonly body: string;
  /** Whether the signature verified with the receiver's secret. */
  readonly verified: boolean;
  /** Whether the receiver answered (false: held, and the sender went away first). */
  answered: boolean;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** The next request is held unanswered; resolves when it arrives. */
  holdNext(): Promise<ReceivedWebhook>;
  /** Answers `status` to what comes next (200 by default). */
  answerWith(status: number): void;
  /** Resolves once `predicate` holds for what was received (checked on each arrival). */
  until(predicate: (received: readonly ReceivedWebhook[]) => boolean): Promise<void>;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1:0 that records and verifies Standard Webhooks deliveries. */
export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters: Array<() => void> = [];
  let hold: ((entry: ReceivedWebhook) => void) | undefined;
  let status = 200;
  const held: ServerResponse[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const headers = { id: String(request.headers['webhook-id']), timestamp: String(request.headers['webhook-timestamp']), signature: String(request.headers['webhook-signature']) };
      const entry: ReceivedWebhook = { ...headers, body, verified: verifyWebhook(secret, headers, body, Math.floor(Date.now() / 1000)), answered: false };
      received.push(entry);
      if (hold) {
        const release = hold;
        hold = undefined;
        held.push(response);
        release(entry);
      } else {
        entry.answered = true;
        response.writeHead(status, { 'content-type': 'text/plain' }).end(`got ${headers.id}`);
      }
      for (const waiter of waiters.splice(0)) waiter();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    holdNext: () => new Promise((resolve) => (hold = resolve)),
    answerWith: (next) => (status = next),
    until: (predicate) =>
      new Promise((resolve) => {
        const check = () => (predicate(received) ? resolve() : waiters.push(check));
        check();
      }),
    close: async () => {
      for (const response of held) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Adds a webhook straight in the database (as the service would), sealed under the given master key; answers its id and secret. */
export async function addWebhook(
  database: TestDatabase,
  masterKeyHex: string,
  webhook: { url: string; events: readonly string[]; ownerUserId: number | null; secret?: string },
): Promise<{ id: number; secret: string }> {
  const db = await openMigratedDatabase(database);
  try {
    const secret = webhook.secret ?? newWebhookSecret();
    const key = masterKeyFromHex(masterKeyHex);
    const secretEnvelope = sealEnvelope(Buffer.from(secret), key, WEBHOOK_SECRET_CONTEXT);
    openEnvelope(secretEnvelope, { current: key, all: [key], byId: (id) => (id === key.id ? key : undefined) }, WEBHOOK_SECRET_CONTEXT);
    const created = await createWebhookStore(db).create(
      { ownerUserId: webhook.ownerUserId, url: webhook.url, events: webhook.events.filter(isEventType), secretEnvelope, description: 'test', enabled: true },
      Date.now(),
    );
    return { id: created.id, secret };
  } finally {
    await db.close();
  }
}
