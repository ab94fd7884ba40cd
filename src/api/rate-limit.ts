import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { errorBody } from './envelope.js';

/**
 * API_RATE_LIMIT_PER_MINUTE, applied twice (docs/api.md#rate-limits):
 *
 * - `perCommunity`, after authentication: all the keys of one community share one budget (a
 *   community cannot multiply it by minting keys), and the admin token has its own;
 * - `unauthenticated`, between authentication and its 401: requests without a valid credential
 *   (none, malformed, unknown, revoked, disabled) count against the client's address, so guessing
 *   keys is slow; once an address is over its budget, authenticate() refuses its unknown tokens
 *   without even a database read (`addressOverBudget`). The address is the TCP peer's, or with
 *   TRUST_PROXY the one the trusted proxies put in X-Forwarded-For (Express' req.ip); IPv6
 *   addresses count by their /56, so rotating through one's own subnet does not dodge it.
 *
 * Both are express-rate-limit's in-memory store with a fixed one-minute window: a map lookup and an
 * increment per request, nothing on the database. With several API processes behind a load
 * balancer each keeps its own counts, so a community (or an address) may get up to
 * `processes x limit` a minute in total.
 */
export interface ApiRateLimits {
  perCommunity: RequestHandler;
  unauthenticated: RequestHandler;
  /** Whether this request's address has spent its budget of requests without a valid credential. */
  addressOverBudget(req: Request): Promise<boolean>;
}

const WINDOW_MS = 60_000;

export function apiRateLimits(limitPerMinute: number): ApiRateLimits {
  if (limitPerMinute === 0) {
    const pass: RequestHandler = (_req, _res, next) => next();
    return { perCommunity: pass, unauthenticated: pass, addressOverBudget: async () => false };
  }
  const answer429 = (res: Response, message: string, solution: string) => {
    res.status(429).json(
      errorBody(429, message, solution, { limitPerMinute, retryAfterSeconds: Number(res.getHeader('retry-after') ?? 0) }),
    );
  };
  const perCommunity = rateLimit({
    windowMs: WINDOW_MS,
    limit: limitPerMinute,
    // RateLimit and RateLimit-Policy on every answer; Retry-After on a 429
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'per-community',
    skip: (_req, res) => res.locals.principal === undefined,
    keyGenerator: (_req, res) => {
      const principal = res.locals.principal as { kind: 'admin' } | { kind: 'community' | 'portal'; communityId: string };
      return principal.kind === 'admin' ? 'admin' : `community:${principal.communityId}`;
    },
    handler: (_req, res) => {
      const admin = (res.locals.principal as { kind: string }).kind === 'admin';
      answer429(
        res,
        admin
          ? `rate limit exceeded: at most ${limitPerMinute} requests per minute for the admin token (API_RATE_LIMIT_PER_MINUTE)`
          : `rate limit exceeded: at most ${limitPerMinute} requests per minute per community, all its API keys and portal sessions together (API_RATE_LIMIT_PER_MINUTE)`,
        'Wait for the number of seconds in Retry-After, then retry; spread requests out, or ask the operator for a higher API_RATE_LIMIT_PER_MINUTE.',
      );
    },
    // the key is the resolved principal, never the client's address
    validate: { ip: false, trustProxy: false, xForwardedForHeader: false, forwardedHeader: false, keyGeneratorIpFallback: false },
  });
  const unauthenticated = rateLimit({
    windowMs: WINDOW_MS,
    limit: limitPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'per-address-without-credential',
    skip: (_req, res) => res.locals.principal !== undefined,
    keyGenerator: (req) => addressKey(req),
    handler: (_req, res) =>
      answer429(
        res,
        `too many requests without a valid credential from this address: at most ${limitPerMinute} a minute (API_RATE_LIMIT_PER_MINUTE)`,
        'Send Authorization: Bearer <a live API key or the admin token>, and wait for the number of seconds in Retry-After; requests with a valid credential are not refused for this.',
      ),
    // X-Forwarded-For is believed only as TRUST_PROXY says (docs/configuration.md); no warning for it
    validate: { xForwardedForHeader: false, forwardedHeader: false },
  });
  return {
    perCommunity,
    unauthenticated,
    async addressOverBudget(req) {
      const info = await unauthenticated.getKey(addressKey(req));
      return info !== undefined && info.totalHits >= limitPerMinute && (info.resetTime === undefined || info.resetTime.getTime() > Date.now());
    },
  };
}

function addressKey(req: Request): string {
  return `address:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`;
}
