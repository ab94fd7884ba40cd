import type { Db } from '../db/database.js';
import { newId } from '../ids.js';
import { beforeCursor, createdAtText, type Cursor, type Page, toPage } from './pagination.js';

export interface Community {
  id: string;
  name: string;
  /** Days its final deliveries are kept (1–365), overriding RETENTION; null: RETENTION applies (docs/retention.md). */
  retentionDays: number | null;
  createdAt: string;
}

function toCommunity(row: { id: string; name: string; retention_days: number | null; created_at: Date }): Community {
  return { id: row.id, name: row.name, retentionDays: row.retention_days, createdAt: row.created_at.toISOString() };
}

export async function createCommunity(db: Db, name: string): Promise<Community> {
  const row = await db
    .insertInto('communities')
    .values({ id: newId('cmty'), name })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toCommunity(row);
}

export async function listCommunities(db: Db, page: { limit: number; cursor?: Cursor }): Promise<Page<Community>> {
  let query = db
    .selectFrom('communities')
    .selectAll()
    .select(createdAtText.as('cursor_created_at'))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit + 1);
  if (page.cursor) query = query.where(beforeCursor(page.cursor));
  return toPage(await query.execute(), page.limit, toCommunity);
}

export async function communityExists(db: Db, id: string): Promise<boolean> {
  return (await db.selectFrom('communities').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** Renames the community and/or sets its retention (null: back to RETENTION); undefined when it does not exist. */
export async function updateCommunity(
  db: Db,
  id: string,
  patch: { name?: string | undefined; retentionDays?: number | null | undefined },
): Promise<Community | undefined> {
  const row = await db
    .updateTable('communities')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.retentionDays !== undefined ? { retention_days: patch.retentionDays } : {}),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  return row && toCommunity(row);
}
