import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { Scope } from '../store/scope.js';
import { type Principal, principalOf, scopeOf } from './auth.js';
import type { ApiDeps } from './deps.js';
import { ApiError, sendSuccess } from './envelope.js';
import { parseWith } from './validate.js';

/**
 * A route, declared once: its method and path, who may call it, what it takes and answers, and its
 * handler. The app registers it from this declaration (src/api/app.ts), the access rule is enforced
 * here rather than by each handler, and the OpenAPI document (src/api/openapi.ts) and the request
 * metrics' route labels are built from the same list (src/api/routes/index.ts). Adding a route is
 * one `defineRoute` in the file of its resource, plus the store function it calls.
 *
 * Access:
 * - `public`: no credential (health, metrics, the documents and pages);
 * - `admin`: the operator's ADMIN_TOKEN only; a community key gets 404, as for a route it cannot see;
 * - `community`: a community API key or a portal session (acting on its own community), or the ADMIN_TOKEN.
 * A route marked `refusesPortalSessions` (the API keys') answers a portal session 403, whatever its
 * access: a dashboard opened from a portal link must not mint or see the keys of its community.
 * Every route that is not public answers 401 to a missing or bad credential before its body is read.
 */
export type Access = 'public' | 'admin' | 'community';
export type Method = 'get' | 'post' | 'patch' | 'delete';

type Schema = z.ZodType | undefined;
type Parsed<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<B extends Schema, Q extends Schema> {
  req: Request;
  res: Response;
  body: Parsed<B>;
  query: Parsed<Q>;
  params: Record<string, string>;
  /** Who is asking; `{ kind: 'public' }` on a public route. */
  principal: Principal | { kind: 'public' };
  /** The data a community may see: its own, or all for the operator (src/store/scope.ts). */
  scope: Scope;
  deps: ApiDeps;
  /** Every route of the app, for the ones that describe the API (the OpenAPI document). */
  routes: readonly RouteDefinition[];
}

/** What a handler answers: the envelope's data (and a list's next cursor), or nothing when it wrote the answer itself. */
export type Reply = { status: number; data: unknown; nextCursor?: string | null } | undefined;

export interface RouteResponse {
  status: number;
  description: string;
  /** Documentation of `data` (the handler's presenter is checked against it by the OpenAPI test). */
  data?: z.ZodType;
  list?: boolean;
  /** A non-envelope answer (text, HTML, the OpenAPI document itself). */
  contentType?: string;
}

export interface RouteDefinition<B extends Schema = Schema, Q extends Schema = Schema> {
  method: Method;
  /** Express syntax (`/v1/webhooks/:id`); written `{id}` in the document. */
  path: string;
  access: Access;
  tag: string;
  summary: string;
  description?: string;
  body?: B;
  query?: Q;
  response: RouteResponse;
  /** Error statuses worth documenting beyond the defaults (400, 401, 404, 429 for non-public routes). */
  errors?: number[];
  /** A portal session gets 403 here (docs/portal.md): set on every API keys route. */
  refusesPortalSessions?: boolean;
  /** Example request bodies; the OpenAPI test parses each with `body`. */
  examples?: Record<string, unknown>;
  handler: (context: RouteContext<B, Q>) => Promise<Reply> | Reply;
}

/** Declares a route; the types of `body` and `query` in its handler follow from their schemas. */
export function defineRoute<B extends Schema = undefined, Q extends Schema = undefined>(route: RouteDefinition<B, Q>): RouteDefinition {
  return route as unknown as RouteDefinition;
}

/**
 * The Express handlers of one route, after the shared ones (authentication, rate limit and body
 * parsing, which src/api/app.ts mounts for every route that is not public): the access rule, the
 * body and query validated, then the handler, whose reply goes out in the envelope.
 */
export function routeHandlers(route: RouteDefinition, deps: ApiDeps, routes: readonly RouteDefinition[]): RequestHandler[] {
  const enforceAccess: RequestHandler = (req, res, next) => {
    // before the operator-route 404: these routes are documented, and the refusal says why
    if (route.refusesPortalSessions && principalOf(res).kind === 'portal') {
      return next(
        new ApiError(403, 'portal sessions cannot manage API keys', 'API keys are managed by the platform with the admin token, or read with a community API key.'),
      );
    }
    // the same answer as for a route that does not exist: a key learns nothing from an operator route
    if (route.access === 'admin' && principalOf(res).kind !== 'admin') {
      return next(new ApiError(404, `no route ${req.method} ${req.path}`, 'See /openapi.json for the routes.'));
    }
    next();
  };
  const handle = async (req: Request, res: Response, _next: NextFunction) => {
    const isPublic = route.access === 'public';
    const reply = await route.handler({
      req,
      res,
      body: (route.body ? parseWith(route.body, req.body ?? {}) : undefined) as never,
      query: (route.query ? parseWith(route.query, req.query) : undefined) as never,
      params: req.params as Record<string, string>,
      principal: isPublic ? { kind: 'public' } : principalOf(res),
      scope: isPublic ? { kind: 'community', communityId: '' } : scopeOf(res),
      deps,
      routes,
    });
    if (reply) sendSuccess(res, reply.status, reply.data, route.response.list ? (reply.nextCursor ?? null) : undefined);
  };
  return route.access === 'public' ? [handle] : [enforceAccess, handle];
}
