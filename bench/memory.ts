/**
 * Scenario 5, memory: the worker's (worker/main.ts, a process of its own) resident set size
 * from /proc when idle, with 10,000 playbook runs waiting (each on a 30-day timer: a `waitFor`
 * with a timeout), and after they were released and finished. Baseline: the same worker,
 * idle, before any run. The release is the account event the runs wait for, so the figure
 * does not depend on how long starting 10,000 runs takes on this machine.
 */
import { join } from 'node:path';
import { FileTemplateCatalog } from '../catalog/template-files.js';
import { validatePlaybook } from '../language/validate.js';
import { collections } from '../lib/collections.js';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { quietLogger } from '../worker/workflow-bundle.js';
import { bareHold } from './workflows/bare-hold.js';
import { accountEvent, type RunInput } from '../workflows/contract.js';
import { playbookRun } from '../workflows/playbook-run.js';
import { benchAccount } from './interpreter.js';
import {
  figure,
  inPool,
  Processes,
  root,
  rssMiB,
  scenarioDb,
  sleep,
  until,
  type Figure,
  type Scenario,
} from './support.js';

const holdPlaybook = `id: bench-hold
name: Hold for a day
trigger: { on: manual }
steps:
  - id: hold
    waitFor: { event: bench_release, timeout: 30d }
  - outcome: held
`;

/** Sends the event every run (or bare workflow) waits for, 50 signals at a time. */
async function release(client: Client, workflowIds: string[]): Promise<void> {
  await inPool(workflowIds, 50, async (id) => {
    await client.workflow
      .getHandle(id)
      .signal(accountEvent, { name: 'bench_release', data: {}, occurredAt: new Date().toISOString() });
  });
}

/**
 * The release's baseline: as many bare workflows waiting for the same event (no activity, no
 * audit, nothing interpreted) on an in-process worker, the same signal sent to each, 50 at a
 * time; the time until Temporal counts none of them running.
 */
async function bareRelease(
  address: string,
  client: Client,
  runs: number,
  log: (line: string) => void,
): Promise<number> {
  const taskQueue = `bench-bare-hold-${Date.now().toString(36)}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: join(root, 'bench/workflows/index.ts'),
      logger: quietLogger,
    }),
  });
  const running = () => client.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus = "Running"`);
  try {
    return await worker.runUntil(async () => {
      const ids = Array.from({ length: runs }, (_, i) => `bench:bare-hold:${taskQueue}:${i}`);
      await inPool(ids, 50, async (workflowId) => {
        await client.workflow.start(bareHold, { taskQueue, workflowId });
      });
      // Every one has had its first workflow task (it waits on its timer) before the release.
      await until(
        'the bare workflows waiting',
        async () => {
          const { stats } = await client.workflowService.describeTaskQueue({
            namespace: 'default',
            taskQueue: { name: taskQueue },
            taskQueueType: 1, // workflow tasks
            reportStats: true,
          });
          return Number(stats?.approximateBacklogCount ?? 0) === 0;
        },
        30 * 60_000,
        3_000,
      );
      await sleep(5_000); // the backlog count is approximate
      const fired = Date.now();
      await release(client, ids);
      await until(
        'the bare workflows finished',
        async () => (await running()).count === 0,
        30 * 60_000,
        3_000,
      );
      const ms = Date.now() - fired;
      log(`memory: ${runs} bare workflows finished ${(ms / 1000).toFixed(0)} s after their release`);
      return ms;
    });
  } finally {
    await nativeConnection.close();
  }
}

export const memory: Scenario = {
  name: 'memory',
  describe: 'worker RSS idle, with runs waiting on timers, and after they finish',
  async run({ stack, quick, log }): Promise<Figure[]> {
    const runs = quick ? 200 : 10_000;
    const { playbook, diagnostics } = validatePlaybook(holdPlaybook, {
      file: 'bench-hold.yaml',
      templates: new FileTemplateCatalog(join(root, 'playbooks/templates')),
    });
    if (!playbook) throw new Error(`bench-hold playbook: ${JSON.stringify(diagnostics)}`);
    const { db, dbName, close } = await scenarioDb(stack, 'memory');
    const processes = new Processes(stack, dbName, `bench-memory-${Date.now().toString(36)}`);
    const taskQueue = processes.taskQueue;
    const connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection });
    try {
      const ids = Array.from({ length: runs }, (_, i) => `hold-${i}`);
      for (let i = 0; i < ids.length; i += 2000)
        await collections(db).accounts.insertMany(ids.slice(i, i + 2000).map(benchAccount));
      await processes.startWorker();
      const worker = processes.worker!;
      await sleep(3_000);
      const idle = await rssMiB(worker.pid);
      log(`memory: worker idle ${idle.toFixed(0)} MiB; starting ${runs} runs`);

      const began = Date.now();
      const workflowIds: string[] = [];
      await inPool(ids, 50, async (accountId) => {
        const input: RunInput = {
          accountId,
          playbookId: 'bench-hold',
          playbookVersion: 1,
          playbook,
          control: false,
          trigger: { on: 'manual', at: new Date().toISOString(), seen: {} },
        };
        const handle = await client.workflow.start(playbookRun, {
          taskQueue,
          workflowId: `bench:hold:${accountId}`,
          args: [input],
        });
        workflowIds.push(handle.workflowId);
      });
      // A run has persisted its audit up to the wait before it blocks on the timer.
      const runsCollection = collections(db).runs;
      let peak = idle;
      await until(
        `${runs} runs waiting`,
        async () => {
          peak = Math.max(peak, await rssMiB(worker.pid));
          const waiting = await runsCollection.countDocuments({ currentStep: 'hold', status: 'running' });
          if (waiting % 1000 < 50) log(`memory: ${waiting} runs waiting, worker ${peak.toFixed(0)} MiB peak`);
          return waiting >= runs;
        },
        90 * 60_000,
        3_000,
      );
      const reachedMs = Date.now() - began;
      await sleep(3_000);
      const waiting = await rssMiB(worker.pid);
      log(
        `memory: ${runs} runs waiting after ${(reachedMs / 1000).toFixed(0)} s; worker ${waiting.toFixed(0)} MiB (peak ${peak.toFixed(0)})`,
      );

      // The event the runs wait for: each moves on to its outcome and ends.
      const fired = Date.now();
      await release(client, workflowIds);
      // Counted in MongoDB, where each run records its end: 10,000 result() long polls at once
      // failed a call, and the client's retry of it, firing after close, crashed the process.
      await until(
        `${runs} runs ended`,
        async () =>
          (await runsCollection.countDocuments({ playbookId: 'bench-hold', status: { $ne: 'running' } })) >=
          runs,
        30 * 60_000,
        3_000,
      );
      const finishMs = Date.now() - fired;
      const held = await runsCollection.countDocuments({
        playbookId: 'bench-hold',
        status: 'completed',
        outcome: 'held',
      });
      await sleep(5_000);
      const after = await rssMiB(worker.pid);
      log(
        `memory: ${held}/${runs} finished as "held" in ${(finishMs / 1000).toFixed(0)} s; worker ${after.toFixed(0)} MiB`,
      );
      const baseline = { name: 'the same worker idle, before any run', value: idle };
      const bareMs = await bareRelease(stack.temporalAddress, client, runs, log);
      return [
        figure(
          'memory',
          `worker RSS with ${runs.toLocaleString('en')} runs waiting on timers`,
          waiting,
          'MiB',
          baseline,
          `peak while starting ${peak.toFixed(0)} MiB; ${(((waiting - idle) * 1024) / runs).toFixed(1)} KiB per waiting run`,
        ),
        figure('memory', `worker RSS after they finished (${held} of ${runs})`, after, 'MiB', baseline),
        figure('memory', 'time to start the runs and reach the wait', reachedMs, 'ms'),
        figure('memory', 'time from the release to every run finished', finishMs, 'ms', {
          name: `${runs.toLocaleString('en')} bare workflows (bench/workflows/bare-hold.ts) released the same way`,
          value: bareMs,
        }),
      ];
    } finally {
      await processes.stop();
      await connection.close();
      await close();
    }
  },
};
