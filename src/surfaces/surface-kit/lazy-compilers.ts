import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Validator = ((data: unknown) => unknown) & { errors?: unknown };
type RouteSchemaDefinition = { schema?: unknown; method?: string; url?: string; httpPart?: string };

/**
 * Makes a Fastify validator compiler lazy: a route's Ajv function is compiled the first time a request
 * needs it, not when the route is registered. Passdrop has ~300 routes; compiling every schema up front
 * was most of the cold start (issue 19 asks for `/up` within 1 s). The validator keeps Ajv's contract:
 * it returns true/false (or the data) and exposes the last `errors`.
 */
export function lazyValidatorCompiler<Definition extends RouteSchemaDefinition>(compile: (definition: Definition) => Validator): (definition: Definition) => Validator {
  return (definition) => {
    let compiled: Validator | undefined;
    const validate = ((data: unknown) => (compiled ??= compile(definition))(data)) as Validator;
    Object.defineProperty(validate, 'errors', { get: () => compiled?.errors, set: (value: unknown) => {
      if (compiled) compiled.errors = value;
    } });
    return validate;
  };
}

/** The same for response serializers (fast-json-stringify): compiled on the first response that uses one. */
export function lazySerializerCompiler<Definition>(compile: (definition: Definition) => (data: unknown) => string): (definition: Definition) => (data: unknown) => string {
  return (definition) => {
    let compiled: ((data: unknown) => string) | undefined;
    return (data) => (compiled ??= compile(definition))(data);
  };
}

/**
 * Fastify's `schemaController.compilersFactory` with Fastify's own compilers (@fastify/ajv-compiler and
 * @fastify/fast-json-stringify-compiler, with the options Fastify passes), each made lazy.
 */
export function lazyCompilersFactory(): NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']> {
  const buildAjv = AjvCompiler();
  const buildStringify = SerializerSelector();
  return {
    // Structurally Fastify's compilers; their declared types name Ajv's and fast-json-stringify's internals.
    buildValidator: (externalSchemas: unknown, options: unknown) =>
      lazyValidatorCompiler((buildAjv as (schemas: unknown, options: unknown) => (definition: RouteSchemaDefinition) => Validator)(externalSchemas, options)),
    buildSerializer: (externalSchemas: unknown, options: unknown) =>
      lazySerializerCompiler((buildStringify as (schemas: unknown, options: unknown) => (definition: unknown) => (data: unknown) => string)(externalSchemas, options)),
  } as never;
}
