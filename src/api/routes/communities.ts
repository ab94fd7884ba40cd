import { Router } from 'express';
import { createApiKey, listApiKeys, revokeApiKey, updateApiKey } from '../../store/api-keys.js';
import { communityExists, createCommunity, listCommunities } from '../../store/communities.js';
import { decodeCursor } from '../../store/pagination.js';
import { principalOf, requireAdmin } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { ApiError, notFound, sendSuccess } from '../envelope.js';
import { createApiKeyBody, createCommunityBody, emptyBody, listQuery, updateApiKeyBody } from '../schemas.js';
import { parseWith } from '../validate.js';

export function communityRoutes({ db }: ApiDeps): Router {
  const router = Router();

  router.post('/communities', async (req, res) => {
    requireAdmin(res);
    const body = parseWith(createCommunityBody, req.body);
    sendSuccess(res, 201, await createCommunity(db, body.name));
  });

  router.get('/communities', async (req, res) => {
    requireAdmin(res);
    const query = parseWith(listQuery.omit({ communityId: true }), req.query);
    const page = await listCommunities(db, { limit: query.limit, cursor: cursorOrThrow(query.cursor) });
    sendSuccess(res, 200, page.items, page.nextCursor);
  });

  /** A key acts on its own community only; the operator on any that exists. */
  async function ownedCommunity(res: Parameters<typeof principalOf>[0], communityId: string): Promise<string> {
    const principal = principalOf(res);
    if (principal.kind === 'community' ? principal.communityId !== communityId : !(await communityExists(db, communityId))) {
      throw notFound('community');
    }
    return communityId;
  }

  router.post('/communities/:communityId/api-keys', async (req, res) => {
    const communityId = await ownedCommunity(res, req.params.communityId);
    const body = parseWith(createApiKeyBody, req.body);
    const key = await createApiKey(db, communityId, body.name);
    sendSuccess(res, 201, key);
  });

  router.get('/communities/:communityId/api-keys', async (req, res) => {
    const communityId = await ownedCommunity(res, req.params.communityId);
    sendSuccess(res, 200, await listApiKeys(db, communityId), null);
  });

  router.patch('/communities/:communityId/api-keys/:keyId', async (req, res) => {
    const communityId = await ownedCommunity(res, req.params.communityId);
    const body = parseWith(updateApiKeyBody, req.body);
    const key = await updateApiKey(db, communityId, req.params.keyId, body);
    if (!key) throw notFound('API key');
    sendSuccess(res, 200, key);
  });

  router.delete('/communities/:communityId/api-keys/:keyId', async (req, res) => {
    parseWith(emptyBody, req.body ?? {});
    const communityId = await ownedCommunity(res, req.params.communityId);
    if (!(await revokeApiKey(db, communityId, req.params.keyId))) throw notFound('API key');
    sendSuccess(res, 200, { id: req.params.keyId, revoked: true });
  });

  return router;
}

export function cursorOrThrow(text: string | undefined) {
  if (text === undefined) return undefined;
  const cursor = decodeCursor(text);
  if (!cursor) {
    throw new ApiError(400, 'invalid cursor', 'Pass the nextCursor value of a previous page unchanged.', [
      { field: 'cursor', message: 'not a cursor this API issued' },
    ]);
  }
  return cursor;
}
