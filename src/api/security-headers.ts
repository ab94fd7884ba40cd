import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * The headers of the pages a browser opens, /dashboard and /docs (and their assets), set by helmet:
 *
 * - Content-Security-Policy: scripts, styles, images and API calls from this origin only; no inline
 *   script, no eval, no plugins, no <base>, forms post here only. Inline style attributes are allowed
 *   (Swagger UI sets them); they cannot run code.
 * - frame-ancestors from DASHBOARD_FRAME_ANCESTORS: 'none' by default (then X-Frame-Options: DENY for
 *   browsers without CSP 2 too); the platform's origin when it embeds the dashboard in its page
 *   with portal links (docs/portal.md), so that origin alone may frame it.
 * - X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer (a signed-in dashboard never hands
 *   its URL to the Temporal UI links it opens), Cross-Origin-Opener-Policy: same-origin, and the rest
 *   of helmet's defaults. Strict-Transport-Security is left to the HTTPS proxy in front, which knows
 *   whether the whole host is HTTPS.
 */
export function pageSecurityHeaders(frameAncestors: readonly string[]): RequestHandler {
  const framedNowhere = frameAncestors.length === 1 && frameAncestors[0] === "'none'";
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'script-src-attr': ["'none'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': [...frameAncestors],
      },
    },
    xFrameOptions: framedNowhere ? { action: 'deny' } : false,
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
}
