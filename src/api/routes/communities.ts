import { createCommunity, listCommunities, updateCommunity } from '../../store/communities.js';
import { notFound } from '../envelope.js';
import { Community } from '../responses.js';
import { defineRoute } from '../route.js';
import { createCommunityBody, listQuery, updateCommunityBody } from '../schemas.js';
import { cursorOrThrow } from '../validate.js';

/** Communities are the operator's to make, list and change. */
const tag = 'Communities';

export const communityRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/communities',
    access: 'admin',
    tag,
    summary: 'Create a community',
    body: createCommunityBody,
    response: { status: 201, description: 'the community', data: Community },
    examples: { acme: { name: 'Acme' } },
    handler: async ({ body, deps }) => ({ status: 201, data: await createCommunity(deps.db, body.name) }),
  }),

  defineRoute({
    method: 'get',
    path: '/v1/communities',
    access: 'admin',
    tag,
    summary: 'List communities',
    query: listQuery.omit({ communityId: true }),
    response: { status: 200, description: 'a page of communities', data: Community, list: true },
    handler: async ({ query, deps }) => {
      const page = await listCommunities(deps.db, { limit: query.limit, cursor: cursorOrThrow(query.cursor) });
      return { status: 200, data: page.items, nextCursor: page.nextCursor };
    },
  }),

  defineRoute({
    method: 'patch',
    path: '/v1/communities/:communityId',
    access: 'admin',
    tag,
    summary: "Rename a community or set how long its final deliveries are kept",
    description:
      "`retentionDays` (1–365) overrides the deployment's RETENTION for this community's deliveries, attempts, events, finished replay jobs and revoked keys, from the next purge on; `null` goes back to RETENTION. See docs/retention.md.",
    body: updateCommunityBody,
    response: { status: 200, description: 'the community', data: Community },
    examples: { retention: { retentionDays: 90 }, rename: { name: 'Acme Guild' } },
    handler: async ({ params, body, deps }) => {
      const community = await updateCommunity(deps.db, params.communityId!, body);
      if (!community) throw notFound('community');
      return { status: 200, data: community };
    },
  }),
];
