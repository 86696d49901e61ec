import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { ACCESS_LEVELS, type AccessLevel, type Authentication } from '../../accounts/access-policy.js';
import type { UserRecord } from '../../accounts/account-store.js';
import type { LimitedAction } from '../../config/operations-settings.js';
import { isHiddenByGateway } from './gateway-mode.js';

/** The surfaces a route can belong to; `operations` holds health, robots and the API documents. */
export type SurfaceName = 'password-pusher-api' | 'passdrop-api' | 'web' | 'operations';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the route needs (see AccessLevel). Every route must declare it: the app refuses to start otherwise. */
    access?: AccessLevel;
    /** Stamped by the surface plugin that registered the route. */
    surface?: SurfaceName;
    /**
     * The abuse limits a request to this route counts against (src/config/operations-settings.ts,
     * enforced by src/server/request-limits.ts): per IP address when anonymous, per account when signed
     * in. The API surfaces add `api` to all their routes.
     */
    limits?: readonly LimitedAction[];
    /** Served by a public gateway process (PASSDROP_GATEWAY=true): what recipients need. See gateway-mode.ts. */
    gateway?: boolean;
  }
  interface FastifyRequest {
    /** Who the request is, as its surface established it before the route ran. */
    authentication: Authentication;
    /** The fully authenticated account acting, if any (shorthand for `authentication`). */
    user: UserRecord | null;
  }
}

/** One registered route, as the route-table test and `docs/architecture.md` see it. */
export interface RouteTableEntry {
  readonly method: string;
  readonly url: string;
  readonly access: AccessLevel;
  readonly surface: SurfaceName;
  /** The `format` constraint, when the route answers only JSON (or only HTML) requests for its path. */
  readonly format?: string;
  /** Declared `config.gateway: true`: a public gateway process serves it. */
  readonly gateway: boolean;
  /** Whether this process serves it (false for every non-gateway route in gateway mode). */
  readonly served: boolean;
  /** The abuse limits it counts against. */
  readonly limits: readonly LimitedAction[];
  /** The JSON schema its body is validated against, when it declares one (the wrong-type tests walk it). */
  readonly bodySchema?: unknown;
}

/**
 * Watches every route registered anywhere in `app` and refuses to let the app become ready while a route
 * lacks a declared access level, so a route added later without one cannot ship. Answers the table, which
 * fills as routes are registered and is complete once the app is ready.
 */
export function trackRouteTable(app: FastifyInstance): readonly RouteTableEntry[] {
  const seen: RouteOptions[] = [];
  const table: RouteTableEntry[] = [];
  app.addHook('onRoute', (route) => {
    // Surfaces stamp their name in their own onRoute hooks, which run after this one: read it at onReady.
    seen.push(route);
  });
  app.addHook('onReady', async () => {
    const undeclared: string[] = [];
    table.length = 0;
    for (const route of seen) {
      const access = route.config?.access;
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (access === undefined || !ACCESS_LEVELS.includes(access)) {
        undeclared.push(`${methods.join(',')} ${route.url}`);
        continue;
      }
      const format = (route.constraints as Record<string, unknown> | undefined)?.format;
      for (const method of methods) {
        table.push({
          method,
          url: route.url,
          access,
          surface: route.config?.surface ?? 'operations',
          ...(typeof format === 'string' ? { format } : {}),
          gateway: route.config?.gateway === true,
          served: !isHiddenByGateway(route),
          limits: route.config?.limits ?? [],
          ...(route.schema?.body !== undefined ? { bodySchema: route.schema.body } : {}),
        });
      }
    }
    if (undeclared.length > 0) {
      throw new Error(`Every route must declare config.access (one of ${ACCESS_LEVELS.join(', ')}); these do not:\n  ${undeclared.join('\n  ')}`);
    }
  });
  return table;
}

/** Marks every route registered in `scope` (and its children) as belonging to `surface`. */
export function stampSurface(scope: FastifyInstance, surface: SurfaceName): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...route.config, surface };
  });
}

/**
 * For a scope that wraps a third-party plugin whose routes we do not write (static assets, swagger-ui):
 * those routes get `access` unless they declare one.
 */
export function defaultAccess(scope: FastifyInstance, access: AccessLevel): void {
  scope.addHook('onRoute', (route) => {
    route.config = { access, ...route.config };
  });
}

/** Adds `action` to the abuse limits of every route registered in `scope` (and its children). */
export function limitEveryRoute(scope: FastifyInstance, action: LimitedAction): void {
  scope.addHook('onRoute', (route) => {
    const limits = route.config?.limits ?? [];
    route.config = { ...route.config, limits: limits.includes(action) ? limits : [action, ...limits] };
  });
}

/** The access level of the route a request matched; a request no route matched (a 404) is public. */
export function matchedAccess(request: FastifyRequest): AccessLevel {
  return request.routeOptions.config.access ?? 'public';
}
