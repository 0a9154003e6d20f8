/**
 * The API's data access, one repository per resource: route handlers parse (the schema does
 * it), call a repository or the engine, and reply; no handler builds a MongoDB query.
 * The engine and the activities keep their own data access (engine/, activities/): they write
 * what the API reads, and share only lib/collections.ts and lib/documents.ts with it.
 */
import type { Db } from 'mongodb';
import { createAccountRepository } from './accounts.js';
import { createEmailRepository } from './emails.js';
import { createPlaybookRepository } from './playbooks.js';
import { createRunRepository } from './runs.js';
import { createTaskRepository } from './tasks.js';
import { createTimelineRepository } from './timeline.js';
import { createUserRepository } from './users.js';

export function createRepositories(db: Db) {
  return {
    accounts: createAccountRepository(db),
    emails: createEmailRepository(db),
    playbooks: createPlaybookRepository(db),
    runs: createRunRepository(db),
    tasks: createTaskRepository(db),
    timeline: createTimelineRepository(db),
    users: createUserRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;
