import { createCommunity, listCommunities } from '../../store/communities.js';
import { Community } from '../responses.js';
import { defineRoute } from '../route.js';
import { createCommunityBody, listQuery } from '../schemas.js';
import { cursorOrThrow } from '../validate.js';

/** Communities are the operator's to make and list. */
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
];
