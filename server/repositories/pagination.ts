/**
 * Pagination, written once: every list route pages with `limit` and `offset` and answers
 * `{ items, total, limit, offset }` (server/schemas/common.ts `Page`). `total` counts the
 * same filter, so a client can tell how many pages there are.
 *
 * The wire format stays limit/offset (clients depend on it); each list's filter and sort match
 * an index declared in lib/collections.ts, named beside the list in its repository.
 */
import type { Collection, Document, Filter, FindOptions, Sort } from 'mongodb';

export interface PageRequest {
  limit: number;
  offset: number;
}

export interface Page<T> extends PageRequest {
  items: T[];
  /** Matching items in all pages. */
  total: number;
}

/** The page a list query asks for; the schema's defaults (limit 50, offset 0) when it names none. */
export function pageRequest(query: { limit?: number; offset?: number }): PageRequest {
  return { limit: query.limit ?? 50, offset: query.offset ?? 0 };
}

/** One page of `filter` in `sort` order, with the count of all matches. */
export async function findPage<T extends Document>(
  collection: Collection<T>,
  filter: Filter<T>,
  sort: Sort,
  request: PageRequest,
  projection?: FindOptions['projection'],
): Promise<Page<T>> {
  const { limit, offset } = request;
  const [items, total] = await Promise.all([
    collection
      .find(filter, projection ? { projection } : {})
      .sort(sort)
      .skip(offset)
      .limit(limit)
      .toArray(),
    collection.countDocuments(filter),
  ]);
  return { items: items as T[], total, limit, offset };
}

/** A page of items made by hand (the timeline merges several sources). */
export function pageOf<T>(items: T[], total: number, request: PageRequest): Page<T> {
  return { items, total, limit: request.limit, offset: request.offset };
}

/** The same page with each item turned into its API view. */
export function mapPage<T, U>(page: Page<T>, view: (item: T) => U): Page<U> {
  return { ...page, items: page.items.map(view) };
}
