import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, validationError } from '../errors/app-error.js';
import type { AccountStore, ApiTokenRecord, UserRecord } from './account-store.js';
import { newApiToken } from './api-token.js';

const tags = ['Passdrop API'];
const ErrorBody = { $ref: 'passdrop-error#' } as const;
const TokenView = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    prefix: { type: 'string', description: 'The first characters of the token, to tell tokens apart' },
    created_at: { type: 'string', format: 'date-time' },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
    last_used_at: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['id', 'name', 'prefix', 'created_at', 'expires_at', 'last_used_at'],
} as const;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function tokenView(token: ApiTokenRecord) {
  return {
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    created_at: iso(token.createdAt)!,
    expires_at: iso(token.expiresAt),
    last_used_at: iso(token.lastUsedAt),
  };
}

function signedIn(request: FastifyRequest): UserRecord {
  if (!request.user) throw new AppError('SIGN_IN_REQUIRED');
  return request.user;
}

/** An account manages its own API tokens: list, create (shown once), revoke. */
export function registerTokenRoutes(app: FastifyInstance, deps: { store: AccountStore; clock: () => number; prefix: string }): void {
  const api = app.withTypeProvider<JsonSchemaToTsProvider>();
  const { store, clock, prefix } = deps;
  app.addSchema({ $id: 'passdrop-error', type: 'object', properties: { code: { type: 'string' }, error: { type: 'string' }, requestId: { type: 'string' } } });

  api.get(`${prefix}/tokens`, { schema: { tags, summary: 'Your API tokens (never the tokens themselves)', response: { 200: { type: 'array', items: TokenView }, 401: ErrorBody } } }, async (request) => {
    const user = signedIn(request);
    return (await store.listApiTokens(user.id)).filter((token) => token.revokedAt === null).map(tokenView);
  });

  api.post(
    `${prefix}/tokens`,
    {
      schema: {
        tags,
        summary: 'Create an API token; the response is the only time it is shown',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 100 },
            expires_at: { type: 'string', format: 'date-time', description: 'Optional: the token stops working then' },
          },
          required: ['name'],
        },
        response: { 201: { type: 'object', properties: { token: { type: 'string' }, ...TokenView.properties }, required: ['token', ...TokenView.required] }, 401: ErrorBody, 422: ErrorBody },
      },
    },
    async (request, reply) => {
      const user = signedIn(request);
      const now = clock();
      const expiresAt = request.body.expires_at === undefined ? null : Date.parse(request.body.expires_at);
      if (expiresAt !== null && (Number.isNaN(expiresAt) || expiresAt <= now)) {
        throw validationError([{ field: 'expires_at', message: 'must be a time in the future.' }]);
      }
      const { token, prefix: visible, hash } = newApiToken();
      const record = await store.createApiToken({ userId: user.id, name: request.body.name, prefix: visible, hash, expiresAt, now });
      return reply.code(201).send({ token, ...tokenView(record) });
    },
  );

  api.delete(
    `${prefix}/tokens/:id`,
    { schema: { tags, summary: 'Revoke one of your API tokens', params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] }, response: { 401: ErrorBody, 404: ErrorBody } } },
    async (request, reply) => {
      const user = signedIn(request);
      if (!(await store.revokeApiToken(user.id, request.params.id, clock()))) throw new AppError('TOKEN_NOT_FOUND');
      return (reply as FastifyReply).code(204).send();
    },
  );
}
