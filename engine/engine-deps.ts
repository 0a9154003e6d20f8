import type { Db } from 'mongodb';
import type { Client } from '@temporalio/client';
import type { HealthThresholds } from '../language/health-band.js';
import type { PlaybookCatalog } from './playbook-catalog.js';

/** What every engine operation needs; built once by createEngine. */
export interface EngineDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  thresholds: HealthThresholds;
  catalog: PlaybookCatalog;
  now: () => Date;
}
