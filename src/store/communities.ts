import type { Db } from '../db/database.js';
import { newId } from '../ids.js';
import { beforeCursor, createdAtText, type Cursor, type Page, toPage } from './pagination.js';

export interface Community {
  id: string;
  name: string;
  createdAt: string;
}

function toCommunity(row: { id: string; name: string; created_at: Date }): Community {
  return { id: row.id, name: row.name, createdAt: row.created_at.toISOString() };
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
