import type { Db } from 'mongodb';

/** The probe workflow's one side effect: a document saying the run got going. */
export function createProbeActivities(db: Db) {
  return {
    async recordRunProgress(progress: {
      workflowId: string;
      runId: string;
      accountId: string;
      control: boolean;
    }): Promise<void> {
      const id = `${progress.workflowId}/${progress.runId}`;
      await db
        .collection('probeRuns')
        .updateOne({ _id: id as never }, { $setOnInsert: { ...progress, at: new Date() } }, { upsert: true });
    },
  };
}
