import type { ConstraintStrategy, HTTPVersion } from 'find-my-way';
import type { FastifyInstance, RouteOptions } from 'fastify';

/**
 * The public gateway split (Password Pusher's and Yopass's): with PASSDROP_GATEWAY=true a process serves
 * only the routes that declare `config.gateway: true` (what recipients need: delivery pages, reveal,
 * passphrase, delete-now, answering a request, their assets, `/up`), so creation and accounts can stay on
 * an internal network while links work from outside.
 *
 * The decision is made once per route, when it is registered: every other route gets a router
 * constraint no request ever satisfies, so the router itself never matches it and the request falls to the
 * surface's not-found handler (404) exactly as for a path that does not exist — no look at the URL's text,
 * so no spelling of a path can reach a hidden route.
 */
type Strategy = ConstraintStrategy<HTTPVersion.V1, string>;
type Store = ReturnType<Strategy['storage']>;

const SERVED = 'served';
const HIDDEN = 'hidden-by-gateway-mode';

export const gatewayConstraint: Strategy = {
  name: 'gateway',
  storage(): Store {
    const handlers = new Map<string, Parameters<Store['set']>[1]>();
    return {
      get: (value) => handlers.get(value) ?? null,
      set: (value, store) => void handlers.set(value, store),
    };
  },
  // Every request derives the same value; only hidden routes carry a constraint, and it never equals it.
  deriveConstraint: () => SERVED,
  mustMatchWhenDerived: false,
  validate(value: unknown): void {
    if (value !== HIDDEN) throw new Error(`the gateway constraint is only ever "${HIDDEN}"`);
  },
};

/** Whether `route` is one a gateway process does not serve. */
export function isHiddenByGateway(route: Pick<RouteOptions, 'constraints'>): boolean {
  return (route.constraints as Record<string, unknown> | undefined)?.gateway === HIDDEN;
}

/** In gateway mode, hides every route registered in `app` that does not declare `config.gateway: true`. */
export function applyGatewayMode(app: FastifyInstance, gateway: boolean): void {
  if (!gateway) return;
  app.addHook('onRoute', (route) => {
    if (route.config?.gateway === true) return;
    route.constraints = { ...(route.constraints as Record<string, unknown> | undefined), gateway: HIDDEN };
  });
}

/**
 * For a scope that wraps a third-party plugin whose routes we do not write (the recipient pages' static
 * assets): marks them `gateway: true`. Its hook runs after the app's, so it also lifts the constraint the
 * app's hook has just put on them.
 */
export function servedByGateway(scope: FastifyInstance): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...route.config, gateway: true };
    const constraints = route.constraints as Record<string, unknown> | undefined;
    if (constraints?.gateway !== undefined) {
      const { gateway: _hidden, ...rest } = constraints;
      route.constraints = rest;
    }
  });
}
