import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/database.js';
import { hashApiKey, PORTAL_TOKEN_PREFIX, safeEqual } from '../security/tokens.js';
import { authenticateApiKey, touchApiKey } from '../store/api-keys.js';
import { authenticatePortalToken } from '../store/portal-sessions.js';
import { ADMIN_SCOPE, communityScope, type Scope } from '../store/scope.js';
import { ApiError, notFound } from './envelope.js';
import type { ApiRateLimits } from './rate-limit.js';

/**
 * Who is asking: the operator, a community API key, or a portal session (docs/portal.md), which
 * has a community key's rights except over API keys.
 */
export type Principal =
  | { kind: 'admin' }
  | { kind: 'community'; communityId: string; keyId: string }
  | { kind: 'portal'; communityId: string; sessionId: string };

/** A community key or a portal session: acts on its own community only. */
export type CommunityPrincipal = Exclude<Principal, { kind: 'admin' }>;

// the scheme is case-insensitive (RFC 9110 §11.1); the token is base64url-ish and bounded
const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]{1,512}) *$/i;

const MISSING = () =>
  new ApiError(401, 'missing or malformed credential', 'Send Authorization: Bearer <API key or admin token>.', null, {
    'www-authenticate': 'Bearer',
  });
const INVALID = () =>
  new ApiError(401, 'invalid, revoked or disabled credential', 'Use a live API key of your community, or the admin token.', null, {
    'www-authenticate': 'Bearer error="invalid_token"',
  });

// An ended portal session is told apart from a bad key: the person in front of the dashboard did
// nothing wrong, and needs a new link from the platform, not a key.
const PORTAL_ENDED = (why: 'expired' | 'revoked' | 'unknown') =>
  new ApiError(
    401,
    why === 'expired'
      ? 'the portal link has expired'
      : why === 'revoked'
        ? 'the portal link was revoked'
        : 'the portal link is not valid (it may have expired and been cleaned up)',
    'Ask the platform for a new link (open the dashboard again from your community settings).',
    { portalSession: why },
    { 'www-authenticate': 'Bearer error="invalid_token"' },
  );

/**
 * Keys that authenticated in this process lately (their SHA-256, at most 10,000, oldest forgotten
 * first). Only used to let a known key through to its database check when its address is over the
 * budget of failed credentials; it never lets a key in by itself (revocation still takes effect on
 * the very next request).
 */
class RecentKeys {
  readonly #seen = new Map<string, true>();
  constructor(private readonly max: number) {}
  has(hash: string): boolean {
    return this.#seen.has(hash);
  }
  add(hash: string): void {
    this.#seen.delete(hash);
    this.#seen.set(hash, true);
    if (this.#seen.size > this.max) this.#seen.delete(this.#seen.keys().next().value!);
  }
}

/**
 * Resolves `Authorization: Bearer <token>` to the operator or a community. A request without a
 * valid credential is not answered here: its 401 is kept in `res.locals.authFailure` so the
 * per-address limit of such requests (src/api/rate-limit.ts) counts it first, and
 * `rejectUnauthenticated` answers it. An address over that limit gets no database read for a token
 * this process has not seen authenticate. A key's lastUsedAt is written at most once a minute.
 */
export function authenticate(db: Db, adminToken: string, limits?: Pick<ApiRateLimits, 'addressOverBudget'>) {
  const recent = new RecentKeys(10_000);
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    const match = header ? BEARER.exec(header) : null;
    if (!match) {
      res.locals.authFailure = MISSING();
      return next();
    }
    const token = match[1]!;
    if (safeEqual(token, adminToken)) {
      res.locals.principal = { kind: 'admin' } satisfies Principal;
      return next();
    }
    const hash = hashApiKey(token).toString('base64');
    if (limits && !recent.has(hash) && (await limits.addressOverBudget(req))) {
      res.locals.authFailure = INVALID();
      return next();
    }
    if (token.startsWith(PORTAL_TOKEN_PREFIX)) {
      const session = await authenticatePortalToken(db, token);
      if (session.state !== 'live') {
        res.locals.authFailure = PORTAL_ENDED(session.state);
        return next();
      }
      recent.add(hash);
      res.locals.principal = { kind: 'portal', communityId: session.communityId, sessionId: session.sessionId } satisfies Principal;
      return next();
    }
    const key = await authenticateApiKey(db, token);
    if (!key) {
      res.locals.authFailure = INVALID();
      return next();
    }
    recent.add(hash);
    res.locals.principal = { kind: 'community', communityId: key.communityId, keyId: key.keyId } satisfies Principal;
    if (key.lastUsedAt === null || key.lastUsedAt.getTime() < Math.floor(Date.now() / 60_000) * 60_000) {
      await touchApiKey(db, key.keyId).catch((error: unknown) => (res.locals.log ?? console).warn({ err: error }, 'could not record the key\'s last use'));
    }
    next();
  };
}

/** Answers the 401 that authenticate() kept, once the per-address limit has counted it. */
export function rejectUnauthenticated(_req: Request, res: Response, next: NextFunction): void {
  const failure = res.locals.authFailure as ApiError | undefined;
  if (failure) return next(failure);
  next();
}

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

export function scopeOf(res: Response): Scope {
  const principal = principalOf(res);
  return principal.kind === 'admin' ? ADMIN_SCOPE : communityScope(principal.communityId);
}

/** The community a request acts on: a key's own, or the one the operator names. */
export function actingCommunity(res: Response, named: string | undefined): string {
  const principal = principalOf(res);
  if (principal.kind !== 'admin') {
    if (named !== undefined && named !== principal.communityId) throw notFound('community');
    return principal.communityId;
  }
  if (!named) {
    throw new ApiError(400, 'communityId is required for the operator', 'Add "communityId" to say which community this is for.', [
      { field: 'communityId', message: 'required when using the admin token' },
    ]);
  }
  return named;
}
