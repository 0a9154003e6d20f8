/**
 * The KPI change journal: every write to an account's KPI history or to the NPS responses
 * appends an entry naming what changed, under consecutive sequence numbers 1, 2, 3, … (the
 * `_id` is the number as a zero-padded string: FerretDB serves string `_id` lookups from its
 * primary key, but scans for numeric ones). A KPI
 * view (view.ts) that has read the journal up to n re-reads only what entries n+1… name.
 *
 * Why a journal and not a query on "changed since": on FerretDB 1.24 only `_id` equality is
 * served by an index; any range or `$in` scans the whole collection. Entries are read by `_id`.
 *
 * An entry is claimed by inserting its `_id` (a unique insert is atomic on MongoDB and FerretDB
 * alike, unlike a filtered update on FerretDB). A writer starts at the hint in `kpiMeta` and
 * moves up past ids already taken, so the ids stay gap-free: an id is only tried after every
 * smaller one was seen taken. The hint only moves up ($max) and never passes a written entry.
 */
import type { Db } from 'mongodb';
import { collections } from '../lib/collections.js';
import type { JournalEntry, JournalKind } from '../lib/documents.js';
import { isDuplicateKey } from '../lib/mongo.js';

const key = (seq: number) => `j${String(seq).padStart(15, '0')}`;
const journal = (db: Db) => collections(db).kpiJournal;
const meta = (db: Db) => collections(db).kpiMeta;

async function hint(db: Db): Promise<number> {
  return (await meta(db).findOne({ _id: 'journal' }))?.next ?? 1;
}

/** Appends one entry; returns its id. */
export async function appendJournal(db: Db, kind: JournalKind, ids: string[]): Promise<number> {
  let id = await hint(db);
  for (let attempt = 0; ; attempt++) {
    try {
      await journal(db).insertOne({ _id: key(id), seq: id, kind, ids, at: new Date() });
      break;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Taken: move up; after a few collisions, jump to the head (many writers, or a stale hint).
      id = attempt % 8 === 7 ? await journalHead(db, id + 1) : id + 1;
    }
  }
  try {
    await meta(db).updateOne({ _id: 'journal' }, { $max: { next: id + 1 } }, { upsert: true });
  } catch (err) {
    // Two first writers both upserting the hint: one insert loses; the hint exists now.
    if (!isDuplicateKey(err)) throw err;
    await meta(db).updateOne({ _id: 'journal' }, { $max: { next: id + 1 } });
  }
  return id;
}

async function exists(db: Db, id: number): Promise<boolean> {
  return (await journal(db).findOne({ _id: key(id) }, { projection: { _id: 1 } })) !== null;
}

/** The first id not yet written, at or after `from`: galloping then binary search (ids are gap-free). */
export async function journalHead(db: Db, from?: number): Promise<number> {
  let low = Math.max(from ?? (await hint(db)), 1);
  if (!(await exists(db, low))) return low;
  let step = 1;
  while (await exists(db, low + step)) {
    low += step;
    step *= 2;
  }
  let high = low + step; // missing; low exists
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await exists(db, mid)) low = mid;
    else high = mid;
  }
  return high;
}

/**
 * Entries from `from` on, in order, read by `_id` in parallel windows, stopping at the first
 * missing id or after `limit` entries. Returns them and the id to read from next time.
 */
export async function readJournal(
  db: Db,
  from: number,
  limit: number,
): Promise<{ entries: JournalEntry[]; next: number }> {
  const entries: JournalEntry[] = [];
  let next = from;
  const window = 32;
  while (entries.length < limit) {
    const ids = Array.from({ length: window }, (_, i) => next + i);
    const found = await Promise.all(ids.map((id) => journal(db).findOne({ _id: key(id) })));
    for (const entry of found) {
      if (!entry) return { entries, next };
      entries.push(entry);
      next++;
    }
  }
  return { entries, next };
}
