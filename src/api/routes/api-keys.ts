import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey, updateApiKey } from '../../store/api-keys.js';
import { communityExists } from '../../store/communities.js';
import type { Db } from '../../db/database.js';
import type { Principal } from '../auth.js';
import { ApiError, notFound } from '../envelope.js';
import { ApiKey, ApiKeyCreated } from '../responses.js';
import { defineRoute } from '../route.js';
import { createApiKeyBody, emptyBody, updateApiKeyBody } from '../schemas.js';

/**
 * A community's API keys. The platform manages them for its communities: creating, changing and
 * revoking a key takes the admin token (a leaked key cannot mint its own replacements or revoke the
 * others); a community key may list its own community's keys. A portal session (docs/portal.md)
 * gets 403 from all of them.
 */
const tag = 'API keys';

/** A key acts on its own community only; the operator on any that exists. */
async function ownedCommunity(db: Db, principal: Principal | { kind: 'public' }, communityId: string): Promise<string> {
  const owned = principal.kind === 'community' || principal.kind === 'portal' ? principal.communityId === communityId : await communityExists(db, communityId);
  if (!owned) throw notFound('community');
  return communityId;
}

export const apiKeyRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/communities/:communityId/api-keys',
    access: 'admin',
    refusesPortalSessions: true,
    tag,
    summary: 'Create an API key (the key is shown this once); at most MAX_API_KEYS_PER_COMMUNITY live keys',
    body: createApiKeyBody,
    response: { status: 201, description: 'the key', data: ApiKeyCreated },
    errors: [400, 401, 404, 409, 429],
    examples: { backend: { name: 'backend' } },
    handler: async ({ params, body, deps }) => {
      const max = deps.config.limits.maxApiKeysPerCommunity;
      const result = await createApiKey(deps.db, params.communityId!, body.name, max);
      if (!result) throw notFound('community');
      if ('limitReached' in result) {
        throw new ApiError(
          409,
          `the community has ${result.limitReached} live API keys, the most it may hold (MAX_API_KEYS_PER_COMMUNITY=${max})`,
          'Revoke a key it no longer uses (DELETE …/api-keys/:keyId; disabled keys count until revoked), or raise MAX_API_KEYS_PER_COMMUNITY.',
          { limit: max, live: result.limitReached },
        );
      }
      return { status: 201, data: result.created };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/communities/:communityId/api-keys',
    access: 'community',
    refusesPortalSessions: true,
    tag,
    summary: 'List live API keys (without the keys), with lastUsedAt to the minute',
    response: { status: 200, description: 'the keys', data: ApiKey, list: true },
    handler: async ({ params, principal, deps }) => {
      const communityId = await ownedCommunity(deps.db, principal, params.communityId!);
      return { status: 200, data: await listApiKeys(deps.db, communityId), nextCursor: null };
    },
  }),

  defineRoute({
    method: 'patch',
    path: '/v1/communities/:communityId/api-keys/:keyId',
    access: 'admin',
    refusesPortalSessions: true,
    tag,
    summary: 'Rename, disable or enable an API key',
    body: updateApiKeyBody,
    response: { status: 200, description: 'the key', data: ApiKey },
    examples: { disable: { disabled: true }, rename: { name: 'billing' } },
    handler: async ({ params, body, principal, deps }) => {
      const communityId = await ownedCommunity(deps.db, principal, params.communityId!);
      const key = await updateApiKey(deps.db, communityId, params.keyId!, body);
      if (!key) throw notFound('API key');
      return { status: 200, data: key };
    },
  }),

  defineRoute({
    method: 'delete',
    path: '/v1/communities/:communityId/api-keys/:keyId',
    access: 'admin',
    refusesPortalSessions: true,
    tag,
    summary: 'Revoke an API key: it stops working at once',
    body: emptyBody,
    response: { status: 200, description: 'revoked', data: z.object({ id: z.string(), revoked: z.literal(true) }) },
    handler: async ({ params, principal, deps }) => {
      const communityId = await ownedCommunity(deps.db, principal, params.communityId!);
      if (!(await revokeApiKey(deps.db, communityId, params.keyId!))) throw notFound('API key');
      return { status: 200, data: { id: params.keyId, revoked: true } };
    },
  }),
];
