import type { IncomingMessage } from 'node:http';
import type { ConstraintStrategy, HTTPVersion } from 'find-my-way';

/**
 * A route constraint on the response format a request asks for: `json` when the path ends in `.json`
 * or the Accept header asks for JSON and not for HTML (Password Pusher's rule for its v1 link paths),
 * `html` otherwise. Registered with the router, so the router — not a look at the URL in a hook —
 * picks the Password Pusher JSON route or the web page for the same `/p/TOKEN` path.
 */
type Strategy = ConstraintStrategy<HTTPVersion.V1, string>;
type Store = ReturnType<Strategy['storage']>;

export const formatConstraint: Strategy = {
  name: 'format',
  storage(): Store {
    const handlers = new Map<string, Parameters<Store['set']>[1]>();
    return {
      get: (format) => handlers.get(format) ?? null,
      set: (format, store) => void handlers.set(format, store),
    };
  },
  deriveConstraint(request: IncomingMessage): 'json' | 'html' {
    const path = (request.url ?? '').split('?', 1)[0] ?? '';
    if (path.endsWith('.json')) return 'json';
    const accept = request.headers.accept ?? '';
    return accept.includes('application/json') && !accept.includes('text/html') ? 'json' : 'html';
  },
  // A route without this constraint matches whatever the request asks for.
  mustMatchWhenDerived: false,
  validate(value: unknown): void {
    if (value !== 'json' && value !== 'html') throw new Error('the format constraint is "json" or "html"');
  },
};
