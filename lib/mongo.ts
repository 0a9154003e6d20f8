import type { Logger } from 'pino';
import { meterMongo, mongoMonitoring } from './metrics.js';
import { watchServerMonitor } from './mongo-monitor-watchdog.js';
import {
  MongoBulkWriteError,
  MongoClient,
  MongoError,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Document,
  type OptionalUnlessRequiredId,
} from 'mongodb';

export interface Mongo {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

const connectTimeoutMS = 5_000;
const heartbeatFrequencyMS = 10_000;

/**
 * Connects and returns the app's database. Short timeouts so /readyz answers promptly; a
 * watchdog replaces the connection when the driver's server monitor wedges (see
 * mongo-monitor-watchdog.ts): no healthy heartbeat outlasts its socket timeout, which is at
 * most connectTimeoutMS + heartbeatFrequencyMS.
 */
export async function connectMongo(uri: string, dbName: string, log?: Logger): Promise<Mongo> {
  const client = new MongoClient(uri, {
    serverSelectionTimeoutMS: 5_000,
    connectTimeoutMS,
    heartbeatFrequencyMS,
    maxPoolSize: 50,
    ...mongoMonitoring,
  });
  meterMongo(client);
  await client.connect();
  const stopWatching = watchServerMonitor(client, {
    stallMs: connectTimeoutMS + heartbeatFrequencyMS + 5_000,
    onReconnect: (info) => log?.warn(info, 'database monitor stalled; reconnecting'),
    onError: (err) => log?.warn({ err }, 'database reconnect failed; retrying'),
  });
  const db = client.db(dbName);
  return {
    client,
    db,
    close: async () => {
      stopWatching();
      await client.close();
    },
  };
}

export async function pingMongo(db: Db): Promise<boolean> {
  try {
    await db.command({ ping: 1 });
    return true;
  } catch {
    return false;
  }
}

/**
 * The database could not do it now but may in a moment: unreachable, failing over, or (FerretDB on
 * SQLite) a write that waited too long for the lock. Nothing was written; the same request can
 * be sent again.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoTopologyClosedError
  )
    return true;
  if (!(err instanceof MongoError)) return false;
  if (err.name === 'MongoPoolClearedError' || err.name === 'MongoNotConnectedError') return true;
  if (err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('TransientTransactionError')) return true;
  return err instanceof MongoServerError && /SQLITE_BUSY|database is locked/.test(err.message);
}

const duplicateKeyCode = 11000;

/** A write refused because a document with the same `_id` (or unique key) exists. */
export const isDuplicateKey = (err: unknown): boolean =>
  err instanceof MongoServerError && err.code === duplicateKeyCode;

/**
 * An unordered bulk insert of `sent` documents whose every refused document was refused as a
 * duplicate key, every other one inserted. The driver also reports a bulk insert that never
 * reached the server (the database restarting: connection refused) as a MongoBulkWriteError,
 * with no write errors and nothing inserted: that is a failure to retry, not "all there", and
 * taking it for one lost acknowledged health observations in the fault suite.
 */
export function isOnlyDuplicateKeys(err: unknown, sent: number): err is MongoBulkWriteError {
  if (!(err instanceof MongoBulkWriteError)) return false;
  const refused = [err.writeErrors].flat();
  return (
    refused.length > 0 &&
    refused.every((w) => w.code === duplicateKeyCode) &&
    err.insertedCount + refused.length === sent
  );
}

/**
 * Writes `doc` unless a document with its `_id` exists; true when this call wrote it. The same
 * as an upsert with $setOnInsert, but an insert: FerretDB scans the whole collection for an
 * upsert or update, and uses its primary key for an insert.
 */
export async function insertIfAbsent<T extends { _id: string }>(
  collection: Collection<T>,
  doc: T,
): Promise<boolean> {
  try {
    await collection.insertOne(doc as OptionalUnlessRequiredId<T>);
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/**
 * `insertIfAbsent` for many documents in one unordered command: returns the `_id`s this call
 * wrote; the others existed already (a retry, or a concurrent writer that won).
 */
export async function insertManyIfAbsent<T extends { _id: string }>(
  collection: Collection<T>,
  docs: T[],
): Promise<Set<string>> {
  if (docs.length === 0) return new Set();
  try {
    await collection.insertMany(docs as OptionalUnlessRequiredId<T>[], { ordered: false });
    return new Set(docs.map((d) => d._id));
  } catch (err) {
    if (!isOnlyDuplicateKeys(err, docs.length)) throw err;
    const refused = new Set([err.writeErrors].flat().map((w) => w.index));
    return new Set(docs.filter((_, i) => !refused.has(i)).map((d) => d._id));
  }
}

/**
 * Updates per command of a bulk write. One command would do on MongoDB; FerretDB 1.24 (SQLite
 * storage) stalls on large update commands: one of 100 statements, or two of 50 at once, did not
 * return in 30 s, while 99 alone took 0.3 s and ten commands of 10 at once 0.3 s (measured). So a
 * batch's updates go in commands of this many, one after another: 100 for 1,000 items.
 */
export const updatesPerCommand = 10;

/** An unordered bulk write of updates, `updatesPerCommand` at a time, one command after another. */
export async function bulkUpdate<T extends Document>(
  collection: Collection<T>,
  operations: AnyBulkWriteOperation<T>[],
): Promise<void> {
  for (let i = 0; i < operations.length; i += updatesPerCommand)
    await collection.bulkWrite(operations.slice(i, i + updatesPerCommand), { ordered: false });
}
