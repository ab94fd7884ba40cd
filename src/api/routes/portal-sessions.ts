import type { Request } from 'express';
import { z } from 'zod';
import { communityExists } from '../../store/communities.js';
import { createPortalSession, revokePortalSessions } from '../../store/portal-sessions.js';
import { ApiError, notFound } from '../envelope.js';
import { PortalSessionCreated } from '../responses.js';
import { defineRoute } from '../route.js';
import { createPortalSessionBody, emptyBody } from '../schemas.js';

/**
 * Portal sessions (docs/portal.md): the platform, with the admin token, makes a link that opens
 * the dashboard signed in as one community, for its settings page (often in an iframe). The token
 * is in the URL's fragment, which browsers never send: it stays out of server logs, proxies and
 * Referer headers.
 */
const tag = 'Portal sessions';

/** PUBLIC_BASE_URL, or the origin the request came to (behind a proxy, as TRUST_PROXY lets Express see it). */
function baseUrl(req: Request, configured: string | undefined): string {
  return configured ?? `${req.protocol}://${req.get('host')}`;
}

export const portalSessionRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/communities/:communityId/portal-sessions',
    access: 'admin',
    tag,
    summary: 'Create a portal link: the dashboard signed in as the community for ttlSeconds (60–86400, default 3600)',
    description:
      'The answer\'s `url` is `<PUBLIC_BASE_URL>/dashboard#portal=<token>`, shown this once (only the SHA-256 of the token is kept). ' +
      'The session has a community API key\'s rights except over API keys; at most MAX_PORTAL_SESSIONS_PER_COMMUNITY are live at once. See docs/portal.md.',
    body: createPortalSessionBody,
    response: { status: 201, description: 'the link', data: PortalSessionCreated },
    errors: [400, 401, 404, 409, 429],
    examples: { default: {}, tenMinutes: { ttlSeconds: 600 } },
    handler: async ({ req, params, body, deps }) => {
      const max = deps.config.limits.maxPortalSessionsPerCommunity;
      const result = await createPortalSession(deps.db, params.communityId!, body.ttlSeconds, max);
      if (!result) throw notFound('community');
      if ('limitReached' in result) {
        throw new ApiError(
          409,
          `the community has ${result.limitReached} live portal sessions, the most it may have (MAX_PORTAL_SESSIONS_PER_COMMUNITY=${max})`,
          'Wait for some to expire, revoke them all (DELETE …/portal-sessions), use shorter ttlSeconds, or raise MAX_PORTAL_SESSIONS_PER_COMMUNITY.',
          { limit: max, live: result.limitReached },
        );
      }
      const { id, token, expiresAt } = result.created;
      return { status: 201, data: { id, url: `${baseUrl(req, deps.config.publicBaseUrl)}/dashboard#portal=${token}`, expiresAt } };
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/v1/communities/:communityId/portal-sessions',
    access: 'admin',
    tag,
    summary: 'Revoke every live portal session of the community: they stop working at once',
    body: emptyBody,
    response: { status: 200, description: 'how many were revoked', data: z.object({ revoked: z.number().int() }) },
    handler: async ({ params, deps }) => {
      if (!(await communityExists(deps.db, params.communityId!))) throw notFound('community');
      return { status: 200, data: { revoked: await revokePortalSessions(deps.db, params.communityId!) } };
    },
  }),
];
