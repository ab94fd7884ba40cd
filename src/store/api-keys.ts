import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { newId } from '../ids.js';
import { hashApiKey, newApiKey } from '../security/tokens.js';

export interface ApiKey {
  id: string;
  communityId: string;
  name: string;
  prefix: string;
  disabled: boolean;
  lastUsedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

type ApiKeyRow = {
  id: string;
  community_id: string;
  name: string;
  key_prefix: string;
  disabled: boolean;
  last_used_at: Date | null;
  created_at: Date;
  updated_at: Date;
};

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    communityId: row.community_id,
    name: row.name,
    prefix: row.key_prefix,
    disabled: row.disabled,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const columns = ['id', 'community_id', 'name', 'key_prefix', 'disabled', 'last_used_at', 'created_at', 'updated_at'] as const;

/**
 * Creates a key, unless the community holds `maxLive` live keys already (live: not revoked; a
 * disabled key counts, since it can be enabled again). The plaintext key is returned this once and
 * only its hash is kept. The community's row is held while it counts and inserts, so concurrent
 * creates cannot pass the limit together. Undefined when the community does not exist.
 */
export async function createApiKey(
  db: Db,
  communityId: string,
  name: string,
  maxLive: number,
): Promise<{ created: ApiKey & { key: string } } | { limitReached: number } | undefined> {
  const { key, prefix, hash } = newApiKey();
  return db.transaction().execute(async (trx) => {
    const community = await trx.selectFrom('communities').select('id').where('id', '=', communityId).forNoKeyUpdate().executeTakeFirst();
    if (!community) return undefined;
    const { n } = await trx
      .selectFrom('api_keys')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('community_id', '=', communityId)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    if (n >= maxLive) return { limitReached: n };
    const row = await trx
      .insertInto('api_keys')
      .values({ id: newId('key'), community_id: communityId, name, key_hash: hash, key_prefix: prefix })
      .returning(columns)
      .executeTakeFirstOrThrow();
    return { created: { ...toApiKey(row), key } };
  });
}

export async function listApiKeys(db: Db, communityId: string): Promise<ApiKey[]> {
  const rows = await db
    .selectFrom('api_keys')
    .select(columns)
    .where('community_id', '=', communityId)
    .where('revoked_at', 'is', null)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return rows.map(toApiKey);
}

export async function updateApiKey(
  db: Db,
  communityId: string,
  keyId: string,
  patch: { name?: string | undefined; disabled?: boolean | undefined },
): Promise<ApiKey | undefined> {
  const row = await db
    .updateTable('api_keys')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', keyId)
    .where('community_id', '=', communityId)
    .where('revoked_at', 'is', null)
    .returning(columns)
    .executeTakeFirst();
  return row && toApiKey(row);
}

export async function revokeApiKey(db: Db, communityId: string, keyId: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date(), updated_at: new Date() })
    .where('id', '=', keyId)
    .where('community_id', '=', communityId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The community a live key belongs to, or undefined for an unknown, revoked or disabled key. */
export async function authenticateApiKey(
  db: Db,
  key: string,
): Promise<{ keyId: string; communityId: string; lastUsedAt: Date | null } | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'community_id', 'last_used_at'])
    .where('key_hash', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .where('disabled', '=', false)
    .executeTakeFirst();
  return row && { keyId: row.id, communityId: row.community_id, lastUsedAt: row.last_used_at };
}

/**
 * lastUsedAt, kept to the minute: the minute of the key's last use. Written at most once a minute
 * per key (the caller skips it when the key it just read was used this minute already, and the
 * condition makes a concurrent second write, from another request or API process, a no-op), so a
 * busy key costs no write per request.
 */
export async function touchApiKey(db: Db, keyId: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_used_at: sql<Date>`date_trunc('minute', now())` })
    .where('id', '=', keyId)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`date_trunc('minute', now())`)]))
    .execute();
}
