import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { principalOf } from './auth.js';
import { errorBody } from './envelope.js';

/**
 * Requests per minute per principal: each API key has its own budget, the admin token one more.
 * Mounted after authentication, so the key is the resolved principal (never a client-chosen header
 * or an address that a proxy may hide) and unauthenticated requests never touch the counters.
 *
 * The counters live in this process (express-rate-limit's memory store, a fixed one-minute window):
 * with several API processes behind a load balancer each enforces its own limit, so a key may get up
 * to `processes x limit` per minute in total.
 */
export function apiRateLimit(limitPerMinute: number): RequestHandler {
  if (limitPerMinute === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: limitPerMinute,
    // RateLimit and RateLimit-Policy on every answer; Retry-After on a 429
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'per-key',
    keyGenerator: (_req, res) => {
      const principal = principalOf(res);
      return principal.kind === 'admin' ? 'admin' : `key:${principal.keyId}`;
    },
    handler: (_req, res) => {
      res
        .status(429)
        .json(
          errorBody(
            429,
            `rate limit exceeded: at most ${limitPerMinute} requests per minute per API key`,
            'Wait for the number of seconds in Retry-After, then retry; spread requests out or ask the operator for a higher API_RATE_LIMIT_PER_MINUTE.',
            { limitPerMinute, retryAfterSeconds: Number(res.getHeader('retry-after') ?? 0) },
          ),
        );
    },
    // the key never comes from the client's address, so the proxy/IP checks do not apply
    validate: { ip: false, trustProxy: false, xForwardedForHeader: false, forwardedHeader: false, keyGeneratorIpFallback: false },
  });
}
