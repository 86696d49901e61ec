import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, validationError } from '../../errors/app-error.js';
import { RECEIPT_EVENT_TYPES } from '../../notifications/event-catalogue.js';
import type { ReceiptService } from '../../notifications/receipt-service.js';
import type { ReceiptChoice } from '../../notifications/receipt-store.js';
import type { PushRecord } from '../../pushes/push-record.js';
import type { PushService } from '../../pushes/push-service.js';
import { isWellFormedToken } from '../../pushes/push-token.js';
import { ErrorBody } from './push-api-schemas.js';

const tags = ['Passdrop API'];
const INBOX_PER_PAGE = 50;

const ChoiceProperties = {
  events: { type: 'array', items: { type: 'string', enum: [...RECEIPT_EVENT_TYPES] }, description: 'Event types to be told about (docs/webhooks.md)' },
  by_email: { type: 'boolean' },
  on_dashboard: { type: 'boolean', description: 'In the inbox on the site (with an unread badge)' },
} as const;
const ChoiceBody = {
  type: 'object',
  additionalProperties: false,
  properties: ChoiceProperties,
  required: ['events', 'by_email', 'on_dashboard'],
  examples: [{ events: ['push.revealed', 'push.expired_unread'], by_email: true, on_dashboard: true }],
} as const;
const ChoiceView = { type: 'object', properties: ChoiceProperties, required: ['events', 'by_email', 'on_dashboard'] } as const;
const PushChoiceView = {
  type: 'object',
  properties: { source: { type: 'string', enum: ['push', 'account'], description: "push: this push's own choice; account: the account's defaults apply" }, ...ChoiceProperties },
  required: ['source', 'events', 'by_email', 'on_dashboard'],
} as const;
const InboxView = {
  type: 'object',
  properties: {
    unread: { type: 'integer' },
    receipts: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          event_id: { type: 'string' },
          type: { type: 'string' },
          push_id: { type: ['integer', 'null'] },
          request_id: { type: ['integer', 'null'] },
          name: { type: 'string' },
          occurred_at: { type: 'string', format: 'date-time' },
          read: { type: 'boolean' },
        },
        required: ['id', 'event_id', 'type', 'push_id', 'request_id', 'name', 'occurred_at', 'read'],
      },
    },
  },
  required: ['unread', 'receipts'],
} as const;
const tokenParams = { type: 'object', properties: { token: { type: 'string', examples: ['fkwjfvhall8kJyEhYBL5GQ'] } }, required: ['token'] } as const;

const choiceView = (choice: ReceiptChoice) => ({ events: [...choice.events], by_email: choice.byEmail, on_dashboard: choice.onDashboard });

/**
 * Receipts through the API (paths relative to `/api/passdrop/v1`): the account's defaults
 * (`/account/receipts`), a push's own choice (`/pushes/:token/receipts`; DELETE returns it to the
 * defaults), and the inbox with its unread count (`/account/inbox`, `POST /account/inbox/read`).
 */
export function registerReceiptApiRoutes(app: FastifyInstance, deps: { receipts: ReceiptService; pushes: PushService }): void {
  const api = app.withTypeProvider<JsonSchemaToTsProvider>();
  const { receipts } = deps;
  const config = { access: 'account' } as const;

  async function ownPush(request: FastifyRequest, token: string): Promise<PushRecord> {
    const push = isWellFormedToken(token) ? await deps.pushes.peek(token) : undefined;
    // Someone else's push looks exactly like one that does not exist.
    if (!push || push.ownerUserId !== request.user!.id) throw new AppError('PUSH_NOT_FOUND');
    return push;
  }

  api.get('/account/receipts', { schema: { tags, summary: "Your account's default receipts", response: { 200: ChoiceView, 401: ErrorBody } }, config }, async (request) =>
    choiceView(await receipts.defaults(request.user!.id)),
  );

  api.put(
    '/account/receipts',
    { schema: { tags, summary: "Set your account's default receipts", body: ChoiceBody, response: { 200: ChoiceView, 401: ErrorBody, 422: ErrorBody } }, config },
    async (request) => {
      const result = await receipts.saveDefaults(request.user!.id, { events: request.body.events, byEmail: request.body.by_email, onDashboard: request.body.on_dashboard });
      if (!result.ok) throw validationError(result.problems);
      return choiceView(result.choice);
    },
  );

  api.get(
    '/pushes/:token/receipts',
    { schema: { tags, summary: "The receipts of one of your pushes (its own choice, or your defaults)", params: tokenParams, response: { 200: PushChoiceView, 401: ErrorBody, 404: ErrorBody } }, config },
    async (request) => {
      const push = await ownPush(request, request.params.token);
      const own = await receipts.forPush(push);
      return own ? { source: 'push' as const, ...choiceView(own) } : { source: 'account' as const, ...choiceView(await receipts.defaults(request.user!.id)) };
    },
  );

  api.put(
    '/pushes/:token/receipts',
    {
      schema: { tags, summary: 'Give one of your pushes its own receipts', params: tokenParams, body: ChoiceBody, response: { 200: PushChoiceView, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody } },
      config,
    },
    async (request) => {
      const push = await ownPush(request, request.params.token);
      const result = await receipts.saveForPush(push, { events: request.body.events, byEmail: request.body.by_email, onDashboard: request.body.on_dashboard });
      if (!result.ok) throw validationError(result.problems);
      return { source: 'push' as const, ...choiceView(result.choice ?? { events: [], byEmail: false, onDashboard: false }) };
    },
  );

  api.delete(
    '/pushes/:token/receipts',
    { schema: { tags, summary: 'Return one of your pushes to your default receipts', params: tokenParams, response: { 401: ErrorBody, 404: ErrorBody } }, config },
    async (request, reply) => {
      await receipts.saveForPush(await ownPush(request, request.params.token), null);
      return (reply as FastifyReply).code(204).send();
    },
  );

  api.get(
    '/account/inbox',
    {
      schema: {
        tags,
        summary: 'Your receipts in the inbox, newest first (50 a page), and how many are unread',
        querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 } } },
        response: { 200: InboxView, 401: ErrorBody },
      },
      config,
    },
    async (request) => {
      const userId = request.user!.id;
      const page = request.query.page ?? 1;
      const [entries, unread] = await Promise.all([receipts.inbox(userId, { offset: (page - 1) * INBOX_PER_PAGE, limit: INBOX_PER_PAGE }), receipts.unreadCount(userId)]);
      return {
        unread,
        receipts: entries.map((entry) => ({
          id: entry.id,
          event_id: entry.eventId,
          type: entry.type,
          push_id: entry.pushId,
          request_id: entry.requestId,
          name: entry.subjectName,
          occurred_at: new Date(entry.occurredAt).toISOString(),
          read: entry.readAt !== null,
        })),
      };
    },
  );

  api.post(
    '/account/inbox/read',
    { schema: { tags, summary: 'Mark every receipt in your inbox as read', response: { 200: { type: 'object', properties: { marked: { type: 'integer' } }, required: ['marked'] }, 401: ErrorBody } }, config },
    async (request) => ({ marked: await receipts.markAllRead(request.user!.id) }),
  );
}
