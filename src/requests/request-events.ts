import type { WriteExecutor } from '../storage/write-transaction.js';
import type { AnswerEncryption } from './request-record.js';

/** The name of the domain event raised when a request accepts an answer. */
export const REQUEST_ANSWERED = 'request.answered';

/**
 * A request accepted an answer. Carries nothing secret: no payload, no key, no passphrase, and nothing
 * of the responder beyond what the audit log keeps.
 */
export interface RequestAnsweredEvent {
  readonly type: typeof REQUEST_ANSWERED;
  readonly requestId: number;
  readonly requestToken: string;
  /** The requester's own name for the request (may be empty). */
  readonly requestName: string;
  readonly ownerUserId: number;
  readonly answerToken: string;
  readonly encryption: AnswerEncryption;
  /** How many more answers the request takes (0 when this one closed it). */
  readonly answersRemaining: number;
  /** Epoch milliseconds. */
  readonly answeredAt: number;
}

/**
 * Hooks on request events, passed to createRequestService. `answered` runs inside the transaction that
 * accepts the answer, with that transaction's executor: a notification outbox inserts its row there, so
 * the answer and its notification commit (or roll back) together. A hook that throws rolls the answer
 * back, so hooks should only write rows, never call out.
 *
 * @example createRequestService({ …, events: { answered: (event, trx) => outbox.enqueue(trx, event) } })
 */
export interface RequestEventHooks {
  answered?(event: RequestAnsweredEvent, executor: WriteExecutor): Promise<void>;
}
