/**
 * Every MongoDB collection Retain uses, once: its name, the type of its documents
 * (lib/documents.ts) and its indexes. Code reaches a collection through `collections(db)`,
 * never by a string; `ensureIndexes(db)` creates the indexes declared here, once at the API's
 * start (server/main.ts), not while routes register.
 *
 * Few secondary indexes on purpose: most reads are by `_id`, and on FerretDB 1.24 only `_id`
 * equality is served by an index anyway (see kpis/journal.ts); an index costs every write.
 */
import type { Collection, Db, Document, IndexSpecification } from 'mongodb';
import type {
  AccountDoc,
  AccountEventDoc,
  EmailDeliveryDoc,
  EmailDoc,
  EnrolmentDoc,
  HealthObservationDoc,
  HealthSuccessionDoc,
  IdempotencyDoc,
  JournalEntry,
  KpiAccountDoc,
  KpiEventDoc,
  KpiMetaDoc,
  NpsDoc,
  ObservationProcessedDoc,
  OutcomeDoc,
  PlaybookIndexDoc,
  PlaybookVersionDoc,
  RunDoc,
  SelfCheckDoc,
  SuppressionDoc,
  TaskDecisionDoc,
  TaskDoc,
  TriggerClaimDoc,
  UserDoc,
} from './documents.js';

export interface IndexDeclaration {
  key: Record<string, 1 | -1>;
  name?: string;
  unique?: boolean;
}

interface Declaration<T extends Document> {
  name: string;
  indexes: IndexDeclaration[];
  /** Never set: carries the document type. */
  readonly doc?: T;
}

const declare = <T extends Document>(name: string, indexes: IndexDeclaration[] = []): Declaration<T> => ({
  name,
  indexes,
});

/**
 * The indexes that serve the API's lists (server/repositories/) end in `_id: 1`, the tie-break
 * of every list's sort: MongoDB serves the sort `{ due: 1, _id: 1 }` from an index only if the
 * index holds both keys in that order.
 */
const sorted = (key: Record<string, 1 | -1>): IndexDeclaration => ({ key: { ...key, _id: 1 } });

/** Newest first per account: what the account timeline (server/repositories/timeline.ts) reads. */
const newestFirst = (field: string): IndexDeclaration => sorted({ accountId: 1, [field]: -1 });

const declarations = {
  accounts: declare<AccountDoc>('accounts', [sorted({ csm: 1 }), sorted({ segment: 1 })]),
  users: declare<UserDoc>('users', [
    { key: { email: 1 }, unique: true },
    { key: { tokenHash: 1 }, unique: true },
  ]),
  idempotencyKeys: declare<IdempotencyDoc>('idempotencyKeys'),

  playbooks: declare<PlaybookIndexDoc>('playbooks'),
  /** Unique indexes decide concurrent publishes (catalog/playbook-store.ts). */
  playbookVersions: declare<PlaybookVersionDoc>('playbookVersions', [
    { key: { playbookId: 1, version: 1 }, name: 'playbook_version', unique: true },
    { key: { playbookId: 1, hash: 1 }, name: 'playbook_hash', unique: true },
  ]),

  runs: declare<RunDoc>('runs', [
    newestFirst('startedAt'),
    newestFirst('endedAt'),
    /** An admin's run list, every account. */
    sorted({ startedAt: -1 }),
  ]),
  enrolments: declare<EnrolmentDoc>('enrolments'),
  triggerClaims: declare<TriggerClaimDoc>('triggerClaims'),
  tasks: declare<TaskDoc>('tasks', [
    /** A CSM's task list, by status and whole; an account's; an admin's, every assignee. */
    sorted({ assignee: 1, status: 1, due: 1 }),
    sorted({ assignee: 1, due: 1 }),
    sorted({ accountId: 1, due: 1 }),
    sorted({ due: 1 }),
    newestFirst('createdAt'),
    newestFirst('completedAt'),
    newestFirst('cancelledAt'),
  ]),
  /** Completed or cancelled, whichever was inserted first (lib/task-decisions.ts). */
  taskDecisions: declare<TaskDecisionDoc>('taskDecisions'),
  outcomes: declare<OutcomeDoc>('outcomes', [newestFirst('recordedAt')]),
  /** The outbox: one document per run and step. */
  emails: declare<EmailDoc>('emails', [
    newestFirst('createdAt'),
    /** An admin's email log, every account. */
    sorted({ createdAt: -1 }),
  ]),
  emailDeliveries: declare<EmailDeliveryDoc>('emailDeliveries'),
  suppressions: declare<SuppressionDoc>('suppressions'),

  healthObservations: declare<HealthObservationDoc>('healthObservations', [newestFirst('observedAt')]),
  healthSuccessions: declare<HealthSuccessionDoc>('healthSuccessions'),
  healthObservationsProcessed: declare<ObservationProcessedDoc>('healthObservationsProcessed'),
  accountEvents: declare<AccountEventDoc>('accountEvents', [newestFirst('occurredAt')]),

  kpiAccounts: declare<KpiAccountDoc>('kpiAccounts'),
  kpiEvents: declare<KpiEventDoc>('kpiEvents'),
  npsResponses: declare<NpsDoc>('npsResponses', [newestFirst('respondedAt')]),
  kpiJournal: declare<JournalEntry>('kpiJournal'),
  kpiMeta: declare<KpiMetaDoc>('kpiMeta'),

  selfChecks: declare<SelfCheckDoc>('self_checks'),
};

type Declarations = typeof declarations;
export type CollectionKey = keyof Declarations;
type DocOf<D> = D extends Declaration<infer T> ? T : never;

/** Every collection, typed with its documents. */
export type Collections = { [K in CollectionKey]: Collection<DocOf<Declarations[K]>> };

const cache = new WeakMap<Db, Collections>();

/** The collections of `db`, typed (the driver's Collection objects, made once per Db). */
export function collections(db: Db): Collections {
  let all = cache.get(db);
  if (!all) {
    all = Object.fromEntries(
      Object.entries(declarations).map(([key, d]) => [key, db.collection(d.name)]),
    ) as Collections;
    cache.set(db, all);
  }
  return all;
}

/**
 * One collection with its documents untyped, for code that reads several collections alike
 * (the account timeline merges seven); everything else uses `collections(db)`.
 */
export function untypedCollection(db: Db, key: CollectionKey): Collection<Document> {
  return db.collection(declarations[key].name);
}

/** The name of each collection in the database, for code that lists them (tests, tools). */
export const collectionNames: { readonly [K in CollectionKey]: string } = Object.fromEntries(
  Object.entries(declarations).map(([key, d]) => [key, d.name]),
) as { [K in CollectionKey]: string };

/** The indexes declared above, per collection name. */
export const indexDeclarations: ReadonlyArray<{ collection: string; index: IndexDeclaration }> =
  Object.values(declarations).flatMap((d) => d.indexes.map((index) => ({ collection: d.name, index })));

/**
 * Creates every declared index; an index that exists already is left as it is. One index per
 * command: FerretDB 1.24 drops the connection when a multi-index createIndexes names indexes
 * that already exist.
 */
export async function ensureIndexes(db: Db): Promise<void> {
  for (const { collection, index } of indexDeclarations) {
    await db.collection(collection).createIndex(index.key as IndexSpecification, {
      ...(index.name ? { name: index.name } : {}),
      ...(index.unique ? { unique: true } : {}),
    });
  }
}
