import type { Db } from 'mongodb';
import { runIdFor } from '../../../workflows/contract.js';

/** The probe workflow's one side effect: a document saying the run got going. */
export interface ProbeRunDoc {
  _id: string;
  workflowId: string;
  runId: string;
  accountId: string;
  control: boolean;
  at: Date;
}

/** A collection of the tests' own (not one of lib/collections.ts): the probe's record. */
export const probeRuns = (db: Db) => db.collection<ProbeRunDoc>('probeRuns');

export function createProbeActivities(db: Db) {
  return {
    async recordRunProgress(progress: {
      workflowId: string;
      runId: string;
      accountId: string;
      control: boolean;
    }): Promise<void> {
      const id = runIdFor(progress.runId);
      await probeRuns(db).updateOne(
        { _id: id },
        { $setOnInsert: { ...progress, at: new Date() } },
        { upsert: true },
      );
    },
  };
}
