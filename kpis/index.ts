/** KPIs of docs/kpis.md: pure computation, playbook effectiveness, operations, and the store behind GET /v1/kpis. */
export {
  activeBefore,
  buildHistories,
  mrrBefore,
  type AccountEvent,
  type AccountHistory,
  type KpiAccount,
  type Segment,
} from './history.js';
export {
  computeKpis,
  computeKpisOver,
  kpiFigures,
  type KpiBlock,
  type KpiOptions,
  type KpiReport,
  type KpiTally,
  type NpsResponse,
} from './compute.js';
export {
  playbookEffectiveness,
  type GroupFigures,
  type PlaybookEffectiveness,
  type RunFacts,
} from './effectiveness.js';
export {
  bandDistribution,
  tasksPerCsm,
  type Band,
  type CsmTaskFigures,
  type HealthPoint,
  type TaskFacts,
} from './operations.js';
export {
  batchItemId,
  importHistory,
  recordAccount,
  recordAccountEvent,
  recordAccountEvents,
  recordNps,
  type HistoryImport,
  type KpiEventInput,
  type NpsResponseInput,
} from './store.js';
export { KpiView, type KpiViewOptions } from './view.js';
export { computeKpisFromDb } from './read.js';
export { operationsFromDb, playbookEffectivenessFromDb, type Operations } from './read-operations.js';
