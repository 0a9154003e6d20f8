/**
 * Every activity of the playbook run, built with its dependencies injected by the worker.
 * The workflow imports only the type of this factory's result.
 */
import type { ActivityDeps } from './deps.js';
import { createAccountDataActivities } from './account-data.js';
import { createEmailActivities } from './email.js';
import { createNotifyActivities } from './notify.js';
import { createRunRecordActivities } from './run-records.js';
import { createTaskActivities } from './tasks.js';

export type { ActivityDeps } from './deps.js';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAccountDataActivities(deps),
    ...createRunRecordActivities(deps),
    ...createTaskActivities(deps),
    ...createEmailActivities(deps),
    ...createNotifyActivities(deps),
  };
}
