/**
 * An acknowledged trigger is never lost: the engine hands the run to Temporal before the API
 * acknowledges, so a worker killed right after the acknowledgement loses nothing — the run
 * proceeds once a worker is back. The worker is a real worker process, killed with SIGKILL; its
 * workflow is a probe registered as playbookRun (support/probe-workflow.ts), since what is
 * under test is the engine's hand-off, not how a playbook is interpreted.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createEngine } from '../../engine/index.js';
import { spawnServer, type ServerProcess } from '../../lib/stack-process.js';
import { runIdFor, runWorkflowId } from '../../workflows/contract.js';
import { account, insertAccounts, publish, steps } from './fixtures.js';
import { startEngineServers, type EngineServers } from './servers.js';
import { probeRuns } from './support/probe-activities.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
let servers: EngineServers;
const workers: ServerProcess[] = [];

beforeAll(async () => {
  servers = await startEngineServers();
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await servers?.stop();
});

function startWorkerProcess(): ServerProcess {
  const worker = spawnServer(
    'worker',
    process.execPath,
    ['--import', 'tsx', 'test/engine/support/probe-worker.ts'],
    {
      cwd: root,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: servers.env.address,
        TEMPORAL_TASK_QUEUE: servers.taskQueue,
        MONGODB_URI: servers.mongoUri,
        MONGODB_DB: servers.db.databaseName,
      },
    },
  );
  workers.push(worker);
  return worker;
}

async function pollers(): Promise<number> {
  const res = await servers.env.client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: servers.taskQueue },
    taskQueueType: 1, // workflow
  });
  return res.pollers?.length ?? 0;
}

async function eventually<T>(
  what: string,
  probe: () => Promise<T | null | undefined>,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

it(
  'starts the run of a trigger acknowledged just before the worker died, once a worker is back',
  { timeout: 240_000 },
  async () => {
    await publish(servers.db, {
      id: 'expansion-call',
      name: 'Expansion call',
      trigger: { on: 'event', event: 'seat_limit_reached' },
      steps: steps(
        { id: 'call', task: { title: 'Talk to {{account.name}} about more seats', due: '2d' } },
        { wait: '7d' },
      ),
    });
    await insertAccounts(servers.db, [account('ack-1')]);
    const engine = createEngine({
      db: servers.db,
      temporal: servers.env.client,
      taskQueue: servers.taskQueue,
    });

    const first = startWorkerProcess();
    await eventually('the first worker to poll', async () => (await pollers()) > 0);

    const acknowledged = await engine.ingestEvent('ack-1', {
      type: 'seat_limit_reached',
      idempotencyKey: 'evt-1',
    });
    process.kill(-first.pid, 'SIGKILL');
    await first.exited;
    expect(acknowledged.enrolments).toMatchObject([{ status: 'started' }]);

    // Nothing is lost while no worker runs: the run waits in Temporal.
    const handle = servers.env.client.workflow.getHandle(runWorkflowId('expansion-call', 'ack-1'));
    expect((await handle.describe()).status.name).toBe('RUNNING');

    startWorkerProcess();
    const progress = await eventually('the run to get going', () =>
      probeRuns(servers.db).findOne({ accountId: 'ack-1' }),
    );
    expect(runIdFor(progress.runId)).toBe(acknowledged.enrolments[0].runId);
  },
);
