import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, validationError } from '../../errors/app-error.js';
import { WEBHOOK_EVENT_TYPES } from '../../notifications/event-catalogue.js';
import type { DeliveryLogEntry } from '../../notifications/outbox-store.js';
import { WEBHOOK_DESCRIPTION_MAX_CHARACTERS, type WebhookOwner, type WebhookService } from '../../notifications/webhook-service.js';
import type { WebhookRecord } from '../../notifications/webhook-store.js';
import { WEBHOOK_URL_MAX_CHARACTERS } from '../../notifications/webhook-url-check.js';
import { ErrorBody } from './push-api-schemas.js';

const tags = ['Passdrop API'];
const DELIVERIES_PER_PAGE = 50;

const WebhookView = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    url: { type: 'string' },
    events: { type: 'array', items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] } },
    description: { type: 'string' },
    enabled: { type: 'boolean' },
    scope: { type: 'string', enum: ['account', 'instance'], description: "instance: an admin's instance-wide webhook, told of every push's events" },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'url', 'events', 'description', 'enabled', 'scope', 'created_at', 'updated_at'],
} as const;

const WithSecret = {
  type: 'object',
  properties: { ...WebhookView.properties, secret: { type: 'string', description: 'The signing secret (whsec_…), shown in this answer only' } },
  required: [...WebhookView.required, 'secret'],
} as const;

const DeliveryView = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    event_id: { type: 'string' },
    type: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'] },
    attempts: { type: 'integer' },
    last_attempt_at: { type: ['string', 'null'], format: 'date-time' },
    last_status: { type: ['integer', 'null'], description: "The receiver's last HTTP status, null when there was no answer" },
    last_error: { type: ['string', 'null'] },
    last_response: { type: ['string', 'null'], description: "The start of the receiver's last answer (at most 500 characters)" },
    next_attempt_at: { type: ['string', 'null'], format: 'date-time' },
    created_at: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'event_id', 'type', 'status', 'attempts', 'last_attempt_at', 'last_status', 'last_error', 'last_response', 'next_attempt_at', 'created_at'],
} as const;

const fields = {
  url: { type: 'string', minLength: 1, maxLength: WEBHOOK_URL_MAX_CHARACTERS, description: 'http or https; refused when it resolves to a non-public address unless the operator allows it' },
  events: { type: 'array', minItems: 1, items: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] }, description: 'Event types from docs/webhooks.md' },
  description: { type: 'string', maxLength: WEBHOOK_DESCRIPTION_MAX_CHARACTERS },
  enabled: { type: 'boolean' },
} as const;

const idParams = { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, examples: [1] } }, required: ['id'] } as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function webhookView(webhook: WebhookRecord) {
  return {
    id: webhook.id,
    url: webhook.url,
    events: [...webhook.events],
    description: webhook.description,
    enabled: webhook.enabled,
    scope: webhook.ownerUserId === null ? ('instance' as const) : ('account' as const),
    created_at: iso(webhook.createdAt)!,
    updated_at: iso(webhook.updatedAt)!,
  };
}

function deliveryView(entry: DeliveryLogEntry) {
  return {
    id: entry.id,
    event_id: entry.eventId,
    type: entry.type,
    status: entry.status,
    attempts: entry.attempts,
    last_attempt_at: iso(entry.lastAttemptAt),
    last_status: entry.lastStatus,
    last_error: entry.lastError,
    last_response: entry.lastResponse,
    next_attempt_at: iso(entry.nextAttemptAt),
    created_at: iso(entry.createdAt)!,
  };
}

/**
 * Webhook management (paths relative to `/api/passdrop/v1`): an account's own under `/webhooks`, the
 * instance-wide ones under `/admin/webhooks` (admins only). List, create (the secret is in that answer
 * only), read, change (optionally rotating the secret), delete, the delivery log, and `POST …/:id/test`.
 */
export function registerWebhookApiRoutes(app: FastifyInstance, deps: { webhooks: WebhookService }): void {
  for (const instance of [false, true]) mountWebhookRoutes(app, deps.webhooks, instance);
}

function mountWebhookRoutes(app: FastifyInstance, webhooks: WebhookService, instance: boolean): void {
  const api = app.withTypeProvider<JsonSchemaToTsProvider>();
  const base = instance ? '/admin/webhooks' : '/webhooks';
  const config = { access: instance ? 'admin' : 'account' } as const;
  const whose = instance ? 'instance-wide' : 'your';
  const ownerOf = (request: FastifyRequest): WebhookOwner => (instance ? null : request.user!.id);
  const refusals = { 401: ErrorBody, 403: ErrorBody };

  api.get(
    base,
    { schema: { tags, summary: `List ${whose} webhooks (never their secrets)`, response: { 200: { type: 'array', items: WebhookView }, ...refusals } }, config },
    async (request) => (await webhooks.list(ownerOf(request))).map(webhookView),
  );

  api.post(
    base,
    {
      schema: {
        tags,
        summary: `Create ${instance ? 'an instance-wide' : 'a'} webhook; the answer holds its signing secret, shown only then`,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: fields,
          required: ['url', 'events'],
          examples: [{ url: 'https://hooks.example.com/passdrop', events: ['push.revealed', 'push.expired_unread'] }],
        },
        response: { 201: WithSecret, ...refusals, 422: ErrorBody },
      },
      config,
    },
    async (request, reply) => {
      const result = await webhooks.create(ownerOf(request), request.body);
      if (!result.ok) {
        if (result.reason === 'limit_reached') throw new AppError('WEBHOOK_LIMIT_REACHED', { params: { limit: result.limit } });
        throw validationError(result.problems);
      }
      return reply.code(201).header('cache-control', 'no-store').send({ ...webhookView(result.webhook), secret: result.secret });
    },
  );

  api.get(
    `${base}/:id`,
    { schema: { tags, summary: `One of ${whose} webhooks`, params: idParams, response: { 200: WebhookView, ...refusals, 404: ErrorBody } }, config },
    async (request) => {
      const webhook = await webhooks.find(ownerOf(request), request.params.id);
      if (!webhook) throw new AppError('WEBHOOK_NOT_FOUND');
      return webhookView(webhook);
    },
  );

  api.patch(
    `${base}/:id`,
    {
      schema: {
        tags,
        summary: `Change one of ${whose} webhooks; rotate_secret makes a new secret, in this answer only`,
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { ...fields, rotate_secret: { type: 'boolean' } }, examples: [{ events: ['push.revealed'], rotate_secret: true }] },
        response: {
          200: { type: 'object', properties: { ...WithSecret.properties }, required: [...WebhookView.required] },
          ...refusals,
          404: ErrorBody,
          422: ErrorBody,
        },
      },
      config,
    },
    async (request, reply) => {
      const { rotate_secret: rotateSecret, ...change } = request.body;
      const result = await webhooks.update(ownerOf(request), request.params.id, { ...change, rotateSecret: rotateSecret === true });
      if (!result.ok) {
        if (result.reason === 'not_found') throw new AppError('WEBHOOK_NOT_FOUND');
        throw validationError(result.problems);
      }
      if (result.secret) reply.header('cache-control', 'no-store');
      return { ...webhookView(result.webhook), ...(result.secret ? { secret: result.secret } : {}) };
    },
  );

  api.delete(
    `${base}/:id`,
    { schema: { tags, summary: `Delete one of ${whose} webhooks and its delivery log`, params: idParams, response: { ...refusals, 404: ErrorBody } }, config },
    async (request, reply) => {
      if (!(await webhooks.delete(ownerOf(request), request.params.id))) throw new AppError('WEBHOOK_NOT_FOUND');
      return (reply as FastifyReply).code(204).send();
    },
  );

  api.get(
    `${base}/:id/deliveries`,
    {
      schema: {
        tags,
        summary: 'The delivery log, newest first, with the last answers (50 a page)',
        params: idParams,
        querystring: { type: 'object', properties: { page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 } } },
        response: { 200: { type: 'array', items: DeliveryView }, ...refusals, 404: ErrorBody },
      },
      config,
      exposeHeadRoute: true,
    },
    async (request) => {
      const page = request.query.page ?? 1;
      const entries = await webhooks.deliveries(ownerOf(request), request.params.id, { offset: (page - 1) * DELIVERIES_PER_PAGE, limit: DELIVERIES_PER_PAGE });
      if (!entries) throw new AppError('WEBHOOK_NOT_FOUND');
      return entries.map(deliveryView);
    },
  );

  api.post(
    `${base}/:id/test`,
    {
      schema: {
        tags,
        summary: 'Send a webhook.test event to this webhook (even when it is turned off); it appears in the delivery log',
        params: idParams,
        response: { 202: { type: 'object', properties: { event_id: { type: 'string' } }, required: ['event_id'] }, ...refusals, 404: ErrorBody },
      },
      config,
    },
    async (request, reply) => {
      const eventId = await webhooks.sendTest(ownerOf(request), request.params.id);
      if (!eventId) throw new AppError('WEBHOOK_NOT_FOUND');
      return reply.code(202).send({ event_id: eventId });
    },
  );
}
