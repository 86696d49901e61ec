import type { Logger } from 'pino';
import type { NotificationPolicy } from '../config/notification-settings.js';
import type { DeliverFunction } from '../notifications/notification-delivery.js';
import type { OutboxStore } from '../notifications/outbox-store.js';
import { nextAttemptAt } from '../notifications/retry-schedule.js';

const BATCH = 50;

export interface NotificationWorker {
  /** One pass: dispatch new outbox events, then attempt every due delivery once. */
  runOnce(): Promise<{ dispatched: number; attempted: number }>;
  /** Runs a pass soon (after a change in this process wrote an event). */
  wake(): void;
  /** Stops polling and waits for the pass in flight. */
  stop(): Promise<void>;
}

/**
 * The outbox worker every process runs. Events are dispatched and deliveries claimed atomically in the
 * database (src/notifications/outbox-store.ts), so processes share the work without sending one
 * delivery twice; a claim lasts PASSDROP_NOTIFICATION_CLAIM_SECONDS (more than the webhook timeout), so a
 * delivery whose process died (kill -9) is attempted again by any process once the claim lapses. That
 * one delivery may then reach its receiver twice with the same webhook-id (at-least-once, as every
 * webhook sender: the receiver may have read it before the process died). Failed attempts are retried with
 * exponential backoff and jitter until PASSDROP_NOTIFICATION_RETRY_HOURS, then marked failed.
 *
 * @example const worker = startNotificationWorker({ outbox, deliver, policy: config.notifications, clock: Date.now, logger });
 */
export function startNotificationWorker(deps: {
  outbox: OutboxStore;
  deliver: DeliverFunction;
  policy: NotificationPolicy;
  clock: () => number;
  logger: Logger;
  random?: () => number;
}): NotificationWorker {
  const { outbox, deliver, policy, clock, logger } = deps;
  const random = deps.random ?? Math.random;
  const leaseMs = policy.claimMs;
  let stopped = false;
  let running: Promise<unknown> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let lastPurge = 0;

  async function attempt(delivery: Awaited<ReturnType<OutboxStore['claimDue']>>[number]): Promise<void> {
    let outcome;
    try {
      outcome = await deliver(delivery, clock());
    } catch (error) {
      outcome = { ok: false as const, status: null, error: (error as Error).message, response: null };
    }
    const now = clock();
    const recorded = outcome.ok
      ? await outbox.recordAttempt(delivery.id, delivery.attempt, now, outcome)
      : await outbox.recordAttempt(delivery.id, delivery.attempt, now, {
          ...outcome,
          retryAt: outcome.permanent ? undefined : nextAttemptAt(delivery.attempt, now, delivery.giveUpAt, random),
        });
    if (!outcome.ok) logger.warn({ delivery: delivery.id, event: delivery.event.eventId, attempt: delivery.attempt, error: outcome.error }, 'notification delivery failed');
    if (!recorded) logger.warn({ delivery: delivery.id }, 'notification delivery outcome came after its claim lapsed');
  }

  async function runOnce(): Promise<{ dispatched: number; attempted: number }> {
    let dispatched = 0;
    for (let batch = await outbox.dispatchPending(clock(), BATCH, policy.retryWindowMs); batch > 0; batch = await outbox.dispatchPending(clock(), BATCH, policy.retryWindowMs)) {
      dispatched += batch;
      if (batch < BATCH || stopped) break;
    }
    let attempted = 0;
    for (let claimed = await outbox.claimDue(clock(), leaseMs, BATCH); claimed.length > 0; claimed = await outbox.claimDue(clock(), leaseMs, BATCH)) {
      await Promise.all(claimed.map(attempt));
      attempted += claimed.length;
      if (claimed.length < BATCH || stopped) break;
    }
    const now = clock();
    if (now - lastPurge > 3_600_000) {
      lastPurge = now;
      await outbox.purgeBefore(now - policy.keepMs, 500);
    }
    return { dispatched, attempted };
  }

  function schedule(delay: number): void {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, delay);
    timer.unref();
  }

  function tick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = runOnce()
      .catch((error: unknown) => logger.error({ err: error }, 'notification pass failed'))
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          schedule(0);
        } else {
          schedule(policy.pollIntervalMs);
        }
      });
  }

  schedule(Math.floor(random() * Math.min(policy.pollIntervalMs, 1000)));

  return {
    runOnce,
    wake() {
      if (running) again = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
