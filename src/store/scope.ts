import { type RawBuilder, sql } from 'kysely';

/**
 * Who is asking. Every store function that reads or writes tenant data takes a Scope, so a route
 * cannot forget the community filter: the operator sees all, a community key only its own rows.
 */
export type Scope = { kind: 'admin' } | { kind: 'community'; communityId: string };

export const ADMIN_SCOPE: Scope = { kind: 'admin' };

export function communityScope(communityId: string): Scope {
  return { kind: 'community', communityId };
}

/** `where` condition restricting `column` (a community id) to the scope; true for the operator. */
export function inScope(scope: Scope, column: string): RawBuilder<boolean> {
  return scope.kind === 'admin' ? sql<boolean>`true` : sql<boolean>`${sql.ref(column)} = ${scope.communityId}`;
}
