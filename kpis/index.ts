export { computeKpis, mrrBefore, churnedAt, type KpiAccount, type KpiEvent, type KpiOptions, type KpiReport, type KpiBlock, type NpsResponse } from './compute.js';
export { playbookEffectiveness, type PlaybookEffectiveness, type RunFacts } from './effectiveness.js';
export { ensureKpiIndexes, recordAccount, recordAccountEvent, recordNps, computeKpisFromDb, playbookEffectivenessFromDb, operationsFromDb } from './store.js';
export { bandDistribution, bandOf, tasksPerCsm, type Band, type CsmTaskFigures, type HealthPoint, type TaskFacts } from './operations.js';
