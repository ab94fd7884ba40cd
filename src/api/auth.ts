import type { NextFunction, Request, Response } from 'express';
import type { Db } from '../db/database.js';
import { safeEqual } from '../security/tokens.js';
import { authenticateApiKey, touchApiKey } from '../store/api-keys.js';
import { ADMIN_SCOPE, communityScope, type Scope } from '../store/scope.js';
import { ApiError, notFound } from './envelope.js';

export type Principal = { kind: 'admin' } | { kind: 'community'; communityId: string; keyId: string };

// the scheme is case-insensitive (RFC 9110 §11.1); the token is base64url-ish and bounded
const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]{1,512}) *$/i;

/** Resolves `Authorization: Bearer <token>` to the operator or a community (401 otherwise). */
export function authenticate(db: Db, adminToken: string) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    const match = header ? BEARER.exec(header) : null;
    if (!match) {
      return next(
        new ApiError(401, 'missing or malformed credential', 'Send Authorization: Bearer <API key or admin token>.', null, {
          'www-authenticate': 'Bearer',
        }),
      );
    }
    const token = match[1]!;
    if (safeEqual(token, adminToken)) {
      res.locals.principal = { kind: 'admin' } satisfies Principal;
      return next();
    }
    const key = await authenticateApiKey(db, token);
    if (!key) {
      return next(
        new ApiError(401, 'invalid, revoked or disabled credential', 'Use a live API key of your community, or the admin token.', null, {
          'www-authenticate': 'Bearer error="invalid_token"',
        }),
      );
    }
    res.locals.principal = { kind: 'community', communityId: key.communityId, keyId: key.keyId } satisfies Principal;
    // lastUsedAt to the minute: at most one write a minute per key (src/store/api-keys.ts)
    if (key.lastUsedAt === null || key.lastUsedAt.getTime() < Math.floor(Date.now() / 60_000) * 60_000) {
      await touchApiKey(db, key.keyId).catch((error: unknown) => (res.locals.log ?? console).warn({ err: error }, 'could not record the key\'s last use'));
    }
    next();
  };
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
  if (principal.kind === 'community') {
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
