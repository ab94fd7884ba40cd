import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import { newId } from '../ids.js';
import { hashApiKey, newPortalToken } from '../security/tokens.js';

/**
 * Portal sessions (docs/portal.md): a link the platform hands to a community's admin that signs
 * the dashboard in as that community until it expires or is revoked. Only the SHA-256 of the token
 * is kept; the token itself is returned once, inside the link.
 */
export interface PortalSessionCreated {
  id: string;
  token: string;
  expiresAt: string;
}

/**
 * Creates a session of `ttlSeconds`, unless the community has `maxLive` live ones already (live:
 * not expired, not revoked). The community's row is held while it counts and inserts, so
 * concurrent creates cannot pass the limit together. Undefined when the community does not exist.
 */
export async function createPortalSession(
  db: Db,
  communityId: string,
  ttlSeconds: number,
  maxLive: number,
): Promise<{ created: PortalSessionCreated } | { limitReached: number } | undefined> {
  const { token, hash } = newPortalToken();
  return db.transaction().execute(async (trx) => {
    const community = await trx.selectFrom('communities').select('id').where('id', '=', communityId).forNoKeyUpdate().executeTakeFirst();
    if (!community) return undefined;
    const { n } = await trx
      .selectFrom('portal_sessions')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('community_id', '=', communityId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirstOrThrow();
    if (n >= maxLive) return { limitReached: n };
    const row = await trx
      .insertInto('portal_sessions')
      .values({
        id: newId('prt'),
        community_id: communityId,
        token_hash: hash,
        // the database's clock, the one authentication compares with
        expires_at: sql<Date>`now() + ${ttlSeconds}::int * interval '1 second'`,
      })
      .returning(['id', 'expires_at'])
      .executeTakeFirstOrThrow();
    return { created: { id: row.id, token, expiresAt: row.expires_at.toISOString() } };
  });
}

/** Revokes every live session of the community at once; how many. */
export async function revokePortalSessions(db: Db, communityId: string): Promise<number> {
  const result = await db
    .updateTable('portal_sessions')
    .set({ revoked_at: sql<Date>`now()` })
    .where('community_id', '=', communityId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export type PortalAuthentication =
  | { state: 'live'; sessionId: string; communityId: string }
  | { state: 'expired' | 'revoked' | 'unknown' };

/**
 * What a portal token stands for now. An ended session is told apart from an unknown token, so
 * the dashboard can say why it was signed out (until the purge deletes the ended row).
 */
export async function authenticatePortalToken(db: Db, token: string): Promise<PortalAuthentication> {
  const row = await db
    .selectFrom('portal_sessions')
    .select(['id', 'community_id', 'revoked_at', sql<boolean>`expires_at <= now()`.as('expired')])
    .where('token_hash', '=', hashApiKey(token))
    .executeTakeFirst();
  if (!row) return { state: 'unknown' };
  if (row.revoked_at !== null) return { state: 'revoked' };
  if (row.expired) return { state: 'expired' };
  return { state: 'live', sessionId: row.id, communityId: row.community_id };
}
