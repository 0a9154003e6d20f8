/**
 * Enrolment against the real Temporal dev server and a MongoDB-protocol database. No worker
 * runs here: a started run simply stays open in Temporal, which is all enrolment needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../engine/index.js';
import { runWorkflowId, type RunInput } from '../../workflows/contract.js';
import { account, insertAccounts, publish, rescuePlaybook, steps } from './fixtures.js';
import { startEngineServers, type EngineServers } from './servers.js';
import { collections } from '../../lib/collections.js';
import { dayMs as day } from '../../language/durations.js';

let servers: EngineServers;
let engine: Engine;

beforeAll(async () => {
  servers = await startEngineServers();
  engine = createEngine({ db: servers.db, temporal: servers.env.client, taskQueue: servers.taskQueue });
});
afterAll(async () => servers?.stop());

async function startInput(workflowId: string): Promise<RunInput> {
  const history = await servers.env.client.workflow.getHandle(workflowId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  return JSON.parse(Buffer.from(payload!.data!).toString('utf8')) as RunInput;
}

describe('health.changed', () => {
  beforeAll(() => publish(servers.db, rescuePlaybook()));

  it('enrols an account of the audience when its band turns red, with the previous band it saw', async () => {
    await insertAccounts(servers.db, [account('hc-1'), account('hc-vip', { segment: 'high-touch' })]);

    const green = await engine.ingestHealth({ accountId: 'hc-1', score: 80 });
    expect([green.band, green.previousBand, green.enrolments[0].status]).toEqual([
      'green',
      'none',
      'not_eligible',
    ]);

    const red = await engine.ingestHealth({ accountId: 'hc-1', score: 30 });
    expect([red.band, red.previousBand]).toEqual(['red', 'green']);
    expect(red.enrolments).toMatchObject([
      { playbookId: 'low-usage-rescue', status: 'started', control: false },
    ]);
    const input = await startInput(runWorkflowId('low-usage-rescue', 'hc-1'));
    expect(input.trigger.seen).toMatchObject({
      health: { score: 30, band: 'red' },
      previous: { score: 80, band: 'green' },
    });

    await engine.ingestHealth({ accountId: 'hc-vip', score: 80 });
    const vip = await engine.ingestHealth({ accountId: 'hc-vip', score: 20 });
    expect(vip.enrolments[0]).toMatchObject({
      status: 'not_eligible',
      reason: expect.stringContaining('segment high-touch'),
    });
  });

  it('replays the first answer when an ingest is retried with the same idempotency key', async () => {
    await insertAccounts(servers.db, [account('hc-retry')]);
    await engine.ingestHealth({ accountId: 'hc-retry', score: 75 });
    const first = await engine.ingestHealth({ accountId: 'hc-retry', score: 35, idempotencyKey: 'obs-1' });
    const again = await engine.ingestHealth({ accountId: 'hc-retry', score: 35, idempotencyKey: 'obs-1' });
    expect(first.enrolments[0].status).toBe('started');
    expect(again).toEqual(first);
  });

  it('sees a band change once when 50 observations of the same account arrive at the same time', async () => {
    await insertAccounts(servers.db, [account('hc-burst')]);
    await engine.ingestHealth({ accountId: 'hc-burst', score: 90 });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => engine.ingestHealth({ accountId: 'hc-burst', score: 10 })),
    );
    expect(results.filter((r) => r.previousBand === 'green')).toHaveLength(1);
    expect(results.flatMap((r) => r.enrolments).filter((e) => e.status === 'started')).toHaveLength(1);
  });
});

describe('one live run per account and playbook', () => {
  it('enrols once when 50 triggers for one account race', async () => {
    await publish(servers.db, {
      id: 'expansion-call',
      name: 'Expansion call',
      trigger: { on: 'event', event: 'seat_limit_reached' },
      steps: steps({ wait: '1d' }),
    });
    await insertAccounts(servers.db, [account('race-1')]);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        i % 2
          ? engine.enrollManually('expansion-call', 'race-1')
          : engine.ingestEvent('race-1', { type: 'seat_limit_reached' }).then((r) => r.enrolments[0]),
      ),
    );
    expect(results.filter((r) => r.status === 'started')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'already_running')).toHaveLength(49);
    expect(await collections(servers.db).enrolments.countDocuments({ accountId: 'race-1' })).toBe(1);
  });
});

describe('cooldown', () => {
  it('refuses re-enrolment until the cooldown after the last run has passed', async () => {
    await publish(servers.db, {
      id: 'nps-followup',
      name: 'NPS follow-up',
      trigger: { on: 'manual' },
      enrollment: { cooldown: '30d' },
      steps: steps({ wait: '1d' }),
    });
    await insertAccounts(servers.db, [account('cool-1')]);
    expect((await engine.enrollManually('nps-followup', 'cool-1')).status).toBe('started');
    await servers.env.client.workflow
      .getHandle(runWorkflowId('nps-followup', 'cool-1'))
      .terminate('run ended for the test');

    const soon = await engine.enrollManually('nps-followup', 'cool-1');
    expect(soon).toMatchObject({ status: 'cooldown', reason: expect.stringContaining('cooldown until') });

    const later = createEngine({
      db: servers.db,
      temporal: servers.env.client,
      taskQueue: servers.taskQueue,
      now: () => new Date(Date.now() + 31 * day),
    });
    expect((await later.enrollManually('nps-followup', 'cool-1')).status).toBe('started');
  });
});

describe('holdout', () => {
  it('keeps a stable share close to the configured percentage as control over 1,000 accounts', async () => {
    await publish(servers.db, {
      id: 'webinar-invite',
      name: 'Webinar invite',
      trigger: { on: 'manual' },
      enrollment: { holdout: '20%' },
      steps: steps({ wait: '1d' }),
    });
    const ids = Array.from({ length: 1000 }, (_, i) => `hold-${i}`);
    await insertAccounts(
      servers.db,
      ids.map((id) => account(id)),
    );
    const results = [];
    for (let i = 0; i < ids.length; i += 25) {
      results.push(
        ...(await Promise.all(ids.slice(i, i + 25).map((id) => engine.enrollManually('webinar-invite', id)))),
      );
    }
    expect(results.every((r) => r.status === 'started')).toBe(true);
    const control = results.filter((r) => r.control).length;
    expect(control).toBeGreaterThan(160);
    expect(control).toBeLessThan(240);
    // Recorded as control in the run's input, where the workflow reads it.
    const sample = results.find((r) => r.control)!;
    expect((await startInput(sample.workflowId)).control).toBe(true);
  });
});

describe('versions and retirement', () => {
  it('starts new enrolments on the new version and leaves running runs on theirs', async () => {
    await publish(servers.db, {
      id: 'qbr-prep',
      name: 'QBR prep',
      trigger: { on: 'manual' },
      steps: steps({ wait: '1d' }),
    });
    await insertAccounts(servers.db, [account('ver-1'), account('ver-2')]);
    expect((await engine.enrollManually('qbr-prep', 'ver-1')).playbookVersion).toBe(1);
    await publish(servers.db, {
      id: 'qbr-prep',
      name: 'QBR prep v2',
      trigger: { on: 'manual' },
      steps: steps({ wait: '2d' }),
    });
    expect((await engine.enrollManually('qbr-prep', 'ver-2')).playbookVersion).toBe(2);

    const first = await startInput(runWorkflowId('qbr-prep', 'ver-1'));
    expect([first.playbookVersion, first.playbook.steps]).toEqual([1, [{ wait: '1d' }]]);
    const describe1 = await servers.env.client.workflow
      .getHandle(runWorkflowId('qbr-prep', 'ver-1'))
      .describe();
    expect(describe1.status.name).toBe('RUNNING');
  });

  it('stops new enrolments once retired and, when asked, cancels the runs in flight', async () => {
    await publish(servers.db, {
      id: 'sunset',
      name: 'Sunset',
      trigger: { on: 'event', event: 'usage_dropped' },
      steps: steps({ wait: '1d' }),
    });
    await insertAccounts(servers.db, [account('ret-1'), account('ret-2')]);
    expect((await engine.ingestEvent('ret-1', { type: 'usage_dropped' })).enrolments[0].status).toBe(
      'started',
    );

    const retired = await engine.retirePlaybook('sunset', { cancelRunning: true });
    expect(retired.cancelled).toHaveLength(1);
    expect((await engine.ingestEvent('ret-2', { type: 'usage_dropped' })).enrolments).toEqual([]);
    expect((await engine.enrollManually('sunset', 'ret-2')).status).toBe('retired');
  });
});

describe('renewal.approaching', () => {
  it('enrols accounts renewing within daysBefore once, however often the scan runs', async () => {
    await publish(servers.db, {
      id: 'renewal-upsell',
      name: 'Renewal',
      trigger: { on: 'renewal.approaching', daysBefore: 90 },
      steps: steps({ wait: '30d' }),
    });
    const now = Date.now();
    await insertAccounts(servers.db, [
      account('ren-soon', { renewalAt: new Date(now + 60 * day) }),
      account('ren-edge', { renewalAt: new Date(now + 89 * day) }),
      account('ren-far', { renewalAt: new Date(now + 200 * day) }),
      account('ren-past', { renewalAt: new Date(now - 5 * day) }),
    ]);
    const first = await engine.scanRenewals();
    const started = first.enrolments
      .filter((e) => e.status === 'started')
      .map((e) => e.accountId)
      .sort();
    expect(started).toEqual(['ren-edge', 'ren-soon']);

    const [second, third] = await Promise.all([engine.scanRenewals(), engine.scanRenewals()]);
    for (const scan of [second, third])
      expect(scan.enrolments.filter((e) => e.status === 'started')).toEqual([]);
    expect(await collections(servers.db).enrolments.countDocuments({ playbookId: 'renewal-upsell' })).toBe(2);
  });
});
