/**
 * Every MongoDB collection Retain uses, once: its name, the type of its documents
 * (lib/documents.ts) and its indexes. Code reaches a collection through `collections(db)`,
 * never by a string; `ensureIndexes(db)` creates the indexes declared here, once at the API's
 * start (server/main.ts), not while routes register.
 *
 * One index per query that is not by `_id` and may meet many documents (each named beside its
 * declaration), none else: an index costs every write. FerretDB 1.24 on PostgreSQL serves none
 * of them by itself; lib/stack-postgres.ts adds what serves their equality fields there.
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
  RunAuditDoc,
  RunDoc,
  SelfCheckDoc,
  SuppressionDoc,
  TaskDecisionDoc,
  TaskDoc,
  TriggerClaimDoc,
  UserDoc,
} from './documents.js';

/**
 * An index, in the order MongoDB reads it best (equality, sort, range): the fields a query
 * matches by equality first, then the sort the list reads in. `equal` is also what FerretDB on
 * PostgreSQL needs an expression index for (lib/stack-postgres.ts, `postgresIndexFields`): it
 * pushes an equality down as `_jsonb->'field' @> value` and nothing else.
 */
export interface IndexDeclaration {
  equal: string[];
  sort?: Record<string, 1 | -1>;
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

/** An index of equality fields alone (a look-up, not a list). */
const equal = (...fields: string[]): IndexDeclaration => ({ equal: fields });

/**
 * The index of a list (server/repositories/): its equality fields, then its sort, ending in
 * `_id: 1`, the tie-break of every list's sort: MongoDB serves the sort `{ due: 1, _id: 1 }`
 * from an index only if the index holds both keys in that order.
 */
const list = (fields: string[], sort: Record<string, 1 | -1> = {}): IndexDeclaration => ({
  equal: fields,
  sort: { ...sort, _id: 1 },
});

/** Newest first per account: what the account timeline (server/repositories/timeline.ts) reads. */
const newestFirst = (field: string): IndexDeclaration => list(['accountId'], { [field]: -1 });

const declarations = {
  accounts: declare<AccountDoc>('accounts', [
    /** A CSM's accounts (accountIdsOwnedBy, the account list by csm), by id. */
    list(['csm']),
    list(['segment']),
    /** The renewal scan (engine/renewal-scan.ts): a window of renewal dates. */
    { equal: [], sort: { renewalAt: 1 } },
  ]),
  users: declare<UserDoc>('users', [
    { equal: ['email'], unique: true },
    /** Every request's token look-up (server/plugins/auth.ts). */
    { equal: ['tokenHash'], unique: true },
  ]),
  idempotencyKeys: declare<IdempotencyDoc>('idempotencyKeys'),

  playbooks: declare<PlaybookIndexDoc>('playbooks'),
  /** Unique indexes decide concurrent publishes (catalog/playbook-store.ts); they serve its reads too. */
  playbookVersions: declare<PlaybookVersionDoc>('playbookVersions', [
    { equal: ['playbookId'], sort: { version: 1 }, name: 'playbook_version', unique: true },
    { equal: ['playbookId', 'hash'], name: 'playbook_hash', unique: true },
  ]),

  runs: declare<RunDoc>('runs', [
    /** An account's runs, or a CSM's accounts' (`$in`), newest first; the timeline's starts. */
    newestFirst('startedAt'),
    /** The timeline's ends. */
    newestFirst('endedAt'),
    /** An admin's run list, every account; the KPIs' runs of a period. */
    list([], { startedAt: -1 }),
    /** The live runs of a batch's accounts (ingest's signals). */
    equal('accountId', 'status'),
    /** The last end of an account's run of a playbook (cooldowns, engine/cooldown.ts). */
    { equal: ['accountId', 'playbookId'], sort: { endedAt: -1 } },
  ]),
  enrolments: declare<EnrolmentDoc>('enrolments', [
    /** The enrolments of a batch's accounts (ingest). */
    equal('accountId'),
    /** The runs a retire cancels (engine/run-control.ts). */
    equal('playbookId'),
  ]),
  /** A run's audit trail, one document per entry; a run's page of it by sequence number. */
  runAudit: declare<RunAuditDoc>('runAudit', [{ equal: ['runId'], sort: { seq: 1 } }]),
  triggerClaims: declare<TriggerClaimDoc>('triggerClaims'),
  tasks: declare<TaskDoc>('tasks', [
    /** A CSM's task list, by status and whole; an account's; an admin's, every assignee. */
    list(['assignee', 'status'], { due: 1 }),
    list(['assignee'], { due: 1 }),
    list(['accountId'], { due: 1 }),
    list([], { due: 1 }),
    newestFirst('createdAt'),
    newestFirst('completedAt'),
    newestFirst('cancelledAt'),
    /** The open tasks a run's end cancels (activities/run-records.ts). */
    equal('runId'),
    /** Completions not yet delivered to their run (engine/task-completion.ts). */
    equal('pendingDelivery'),
  ]),
  /** Completed or cancelled, whichever was inserted first (lib/task-decisions.ts). */
  taskDecisions: declare<TaskDecisionDoc>('taskDecisions'),
  outcomes: declare<OutcomeDoc>('outcomes', [newestFirst('recordedAt')]),
  /** The outbox: one document per run and step. */
  emails: declare<EmailDoc>('emails', [
    newestFirst('createdAt'),
    /** An admin's email log, every account. */
    list([], { createdAt: -1 }),
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

/** The MongoDB key of a declaration: its equality fields, then its sort. */
export function indexKey(index: IndexDeclaration): Record<string, 1 | -1> {
  return { ...Object.fromEntries(index.equal.map((field) => [field, 1 as const])), ...index.sort };
}

/**
 * Creates every declared index; an index that exists already is left as it is. One index per
 * command: FerretDB 1.24 drops the connection when a multi-index createIndexes names indexes
 * that already exist.
 */
export async function ensureIndexes(db: Db): Promise<void> {
  for (const { collection, index } of indexDeclarations) {
    await db.collection(collection).createIndex(indexKey(index) as IndexSpecification, {
      ...(index.name ? { name: index.name } : {}),
      ...(index.unique ? { unique: true } : {}),
    });
  }
}
