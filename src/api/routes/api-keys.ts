import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey, updateApiKey } from '../../store/api-keys.js';
import { communityExists } from '../../store/communities.js';
import type { Db } from '../../db/database.js';
import type { Principal } from '../auth.js';
import { notFound } from '../envelope.js';
import { ApiKey, ApiKeyCreated } from '../responses.js';
import { defineRoute } from '../route.js';
import { createApiKeyBody, emptyBody, updateApiKeyBody } from '../schemas.js';

/** A community's API keys. */
const tag = 'API keys';

/** A key acts on its own community only; the operator on any that exists. */
async function ownedCommunity(db: Db, principal: Principal | { kind: 'public' }, communityId: string): Promise<string> {
  const owned = principal.kind === 'community' ? principal.communityId === communityId : await communityExists(db, communityId);
  if (!owned) throw notFound('community');
  return communityId;
}

export const apiKeyRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/communities/:communityId/api-keys',
    access: 'community',
    tag,
    summary: 'Create an API key (the key is shown this once)',
    body: createApiKeyBody,
    response: { status: 201, description: 'the key', data: ApiKeyCreated },
    examples: { backend: { name: 'backend' } },
    handler: async ({ params, body, principal, deps }) => {
      const communityId = await ownedCommunity(deps.db, principal, params.communityId!);
      return { status: 201, data: await createApiKey(deps.db, communityId, body.name) };
    },
  }),

  defineRoute({
    method: 'get',
    path: '/v1/communities/:communityId/api-keys',
    access: 'community',
    tag,
    summary: 'List API keys (without the keys)',
    response: { status: 200, description: 'the keys', data: ApiKey, list: true },
    handler: async ({ params, principal, deps }) => {
      const communityId = await ownedCommunity(deps.db, principal, params.communityId!);
      return { status: 200, data: await listApiKeys(deps.db, communityId), nextCursor: null };
    },
  }),

  defineRoute({
    method: 'patch',
    path: '/v1/communities/:communityId/api-keys/:keyId',
    access: 'community',
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
    access: 'community',
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
