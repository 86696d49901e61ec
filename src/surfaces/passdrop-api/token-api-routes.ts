import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ApiTokenRecord } from '../../accounts/account-store.js';
import type { ApiTokenService } from '../../accounts/api-token-service.js';
import { TOKEN_NAME_MAX_CHARACTERS } from '../../accounts/api-token-service.js';
import { AppError, validationError } from '../../errors/app-error.js';
import { ErrorBody } from './push-api-schemas.js';

const tags = ['Passdrop API'];
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

/** An account manages its own API tokens (paths relative to `/api/passdrop/v1`): list, create (shown once), revoke. */
export function registerTokenApiRoutes(app: FastifyInstance, deps: { tokens: ApiTokenService }): void {
  const api = app.withTypeProvider<JsonSchemaToTsProvider>();
  const { tokens } = deps;
  const account = { access: 'account' } as const;

  api.get(
    '/tokens',
    { schema: { tags, summary: 'Your usable API tokens (never the tokens themselves)', response: { 200: { type: 'array', items: TokenView }, 401: ErrorBody } }, config: account },
    async (request) => (await tokens.list(request.user!)).map(tokenView),
  );

  api.post(
    '/tokens',
    {
      schema: {
        tags,
        summary: 'Create an API token; the response is the only time it is shown',
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: TOKEN_NAME_MAX_CHARACTERS },
            expires_at: { type: 'string', format: 'date-time', description: 'Optional: the token stops working then' },
          },
          required: ['name'],
          examples: [{ name: 'CI deploy' }],
        },
        response: { 201: { type: 'object', properties: { token: { type: 'string' }, ...TokenView.properties }, required: ['token', ...TokenView.required] }, 401: ErrorBody, 422: ErrorBody },
      },
      config: account,
    },
    async (request, reply) => {
      const expiresAt = request.body.expires_at === undefined ? null : Date.parse(request.body.expires_at);
      const result = await tokens.create(request.user!, { name: request.body.name, expiresAt: Number.isNaN(expiresAt) ? Number.NaN : expiresAt });
      if (!result.ok) throw validationError(result.problems);
      return reply.code(201).send({ token: result.token, ...tokenView(result.record) });
    },
  );

  api.delete(
    '/tokens/:id',
    {
      schema: { tags, summary: 'Revoke one of your API tokens', params: { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, examples: [1] } }, required: ['id'] }, response: { 401: ErrorBody, 404: ErrorBody } },
      config: account,
    },
    async (request, reply) => {
      if (!(await tokens.revoke(request.user!, request.params.id))) throw new AppError('TOKEN_NOT_FOUND');
      return (reply as FastifyReply).code(204).send();
    },
  );
}
