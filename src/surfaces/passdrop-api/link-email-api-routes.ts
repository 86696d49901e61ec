import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import type { FastifyInstance } from 'fastify';
import { AppError, validationError } from '../../errors/app-error.js';
import type { LinkEmailService } from '../../notifications/link-email-service.js';
import { setLinkEmailFlash } from '../surface-kit/link-email-flash.js';
import { ErrorBody } from './push-api-schemas.js';

const tags = ['Passdrop API'];

/**
 * `POST /api/passdrop/v1/pushes/:token/notify_emails`: the owner has the push's link emailed to
 * recipients (the same service and limits as Password Pusher's notify_emails). For an end-to-end push
 * the server has no key: the request carries the whole link and `acknowledge_link_exposure: true`
 * (the mail servers will see the key), or it is refused with 422 (field `link`).
 *
 * Called by the create page's script (session cookie, not a token), the answer also sets the one-time flash
 * the share page shows ("Emails queued: 2", or that none were sent): `sharePagePath(token)` is that page.
 */
export function registerLinkEmailApiRoutes(
  app: FastifyInstance,
  deps: { linkEmails: LinkEmailService; sharePagePath: (token: string) => string; secureCookies: boolean },
): void {
  const api = app.withTypeProvider<JsonSchemaToTsProvider>();
  api.post(
    '/pushes/:token/notify_emails',
    {
      schema: {
        tags,
        summary: "Email the push's link to recipients (owner; needs SMTP). End-to-end pushes need link and acknowledge_link_exposure",
        params: { type: 'object', properties: { token: { type: 'string', examples: ['fkwjfvhall8kJyEhYBL5GQ'] } }, required: ['token'] },
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            recipients: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', maxLength: 254 }, description: 'Email addresses (at most 5 per push by default)' },
            locale: { type: 'string', description: 'The language of the email (en, de, fr, …)' },
            link: { type: 'string', maxLength: 4096, description: "End-to-end pushes only: the whole link, the key after # included" },
            acknowledge_link_exposure: { type: 'boolean', description: 'End-to-end pushes only: true to accept that the mail servers will see the key' },
          },
          required: ['recipients'],
          examples: [{ recipients: ['alex@example.com'], locale: 'en' }],
        },
        response: {
          202: { type: 'object', properties: { recipients: { type: 'integer', description: 'How many emails were queued' } }, required: ['recipients'] },
          401: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          422: ErrorBody,
          429: ErrorBody,
        },
      },
      config: { access: 'account' },
    },
    async (request, reply) => {
      const { recipients, locale, link, acknowledge_link_exposure: acknowledged } = request.body;
      // Commas inside one entry would split it: each array entry must be one address.
      const result = await deps.linkEmails.request(request.user!, request.params.token, {
        recipients: recipients.map((address) => address.replace(/,/g, ' ')).join(','),
        locale,
        link,
        linkExposureAcknowledged: acknowledged,
      });
      const fromBrowser = request.authentication.kind === 'account' && request.authentication.via === 'session';
      if (fromBrowser && (result.ok || result.reason === 'rate_limited' || result.reason === 'invalid')) {
        setLinkEmailFlash(reply, deps.sharePagePath(request.params.token), result.ok ? result.recipients : 'failed', deps.secureCookies);
      }
      if (result.ok) return reply.code(202).send({ recipients: result.recipients });
      switch (result.reason) {
        case 'unavailable':
          throw new AppError('LINK_EMAILS_UNAVAILABLE');
        case 'not_found':
          throw new AppError('PUSH_NOT_FOUND');
        case 'not_owner':
          throw new AppError('NOT_PUSH_OWNER');
        case 'rate_limited':
          throw new AppError('LINK_EMAILS_RATE_LIMITED', { headers: { 'retry-after': '60' } });
        case 'invalid':
          throw validationError(result.problems);
        default:
          throw new Error(`unhandled outcome ${String(result satisfies never)}`);
      }
    },
  );
}
