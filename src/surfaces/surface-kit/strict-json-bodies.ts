import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyInstance, FastifySchema, FastifySchemaCompiler } from 'fastify';
import { lazyValidatorCompiler } from './lazy-compilers.js';

/** The app's Ajv settings (build-app.ts), plus no type coercion. */
const STRICT_OPTIONS = { removeAdditional: false, allErrors: true, coerceTypes: false } as const;

/**
 * Validates the JSON bodies of every route in `scope` without Ajv's type coercion, which Fastify turns on by
 * default (`coerceTypes: 'array'`): with it `{"name": 123}` passes as `"123"`, `{"name": true}` as `"true"` and
 * `{"name": ["a"]}` as `"a"`, so a wrong type becomes text instead of a 422 (issue 11 §3). Path, query string
 * and header schemas keep the app's coercing compiler, since those values always arrive as text.
 *
 * For JSON-only surfaces: a form-encoded body would arrive as strings and need coercion to fill numbers.
 */
export function refuseCoercedJsonBodies(scope: FastifyInstance): void {
  const strict = AjvCompiler()({}, { customOptions: { ...STRICT_OPTIONS } });
  const coercing = AjvCompiler()({}, { customOptions: { removeAdditional: false, allErrors: true } });
  scope.setValidatorCompiler(
    lazyValidatorCompiler(({ schema, method, url, httpPart }) =>
      (httpPart === 'body' ? strict : coercing)({ schema: schema as FastifySchema, method: method!, url: url!, httpPart }),
    ) as FastifySchemaCompiler<unknown>,
  );
}
