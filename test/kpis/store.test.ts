/**
 * The KPI store against the run's real MongoDB-protocol server (FerretDB here): figures read
 * from the database equal the pure computation on the same data, for whole and part days,
 * segments and groups, and after a late event dated in a past period.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import type { AccountDoc } from '../../lib/documents.js';
import {
  computeKpis,
  computeKpisFromDb,
  operationsFromDb,
  playbookEffectivenessFromDb,
  importHistory,
  KpiView,
  recordAccount,
  recordAccountEvent,
  recordNps,
  type AccountEvent,
  type KpiAccount,
  type KpiOptions,
} from '../../kpis/index.js';
import { defaultThresholds } from '../../language/health-band.js';
import { useIntegration } from '../harness/index.js';
import { accounts, d, events, from, nps, to } from './fixture.js';
import { collections } from '../../lib/collections.js';

const it = useIntegration('kpis');

const accountDoc = (a: KpiAccount) =>
  ({
    _id: a.id,
    name: a.id,
    segment: a.segment,
    plan: a.plan,
    mrr: a.mrr,
    startedAt: a.startedAt,
  }) as AccountDoc;
const stored: AccountEvent[] = [];

beforeAll(async () => {
  // Half the events arrive before their account is recorded, and in reverse order.
  const [early, late] = [events.slice(0, 9).reverse(), events.slice(9)];
  for (const e of early) await recordAccountEvent(it.db, e);
  for (const a of accounts) await recordAccount(it.db, accountDoc(a));
  for (const e of late) await recordAccountEvent(it.db, e);
  for (const r of nps) await recordNps(it.db, r);
  stored.push(...events);
});

const periods: Array<[string, KpiOptions]> = [
  ['January', { from, to }],
  ['January, tech-touch', { from, to, segment: 'tech-touch' }],
  ['January by segment', { from, to, groupBy: 'segment' }],
  ['January by plan, low-touch', { from, to, groupBy: 'plan', segment: 'low-touch' }],
  [
    'part days (noon to 06:00)',
    { from: d('2024-12-20T12:00:00Z'), to: d('2025-01-20T06:00:00Z'), groupBy: 'plan' },
  ],
  [
    'a whole year',
    {
      from: d('2024-06-01T00:00:00Z'),
      to: d('2025-06-01T00:00:00Z'),
      grossMargin: 0.7,
      onboardingWindowDays: 40,
    },
  ],
  ['before anything', { from: d('2020-01-01T00:00:00Z'), to: d('2020-02-01T00:00:00Z'), groupBy: 'segment' }],
];

describe('figures from the database equal the pure computation', () => {
  for (const [name, options] of periods) {
    test(name, async () => {
      expect(await computeKpisFromDb(it.db, options)).toEqual(computeKpis(accounts, stored, nps, options));
    });
  }

  test('a late event dated in a past period changes that period', async () => {
    const december = { from: d('2024-12-01T00:00:00Z'), to: from };
    const late = { accountId: 'I', type: 'contraction', occurredAt: d('2024-12-10T00:00:00Z'), mrr: 40 };
    await recordAccountEvent(it.db, late);
    stored.push(late);
    const decemberFigures = await computeKpisFromDb(it.db, december);
    expect(decemberFigures.total.mrr.contraction).toBe(60); // I: 100 → 40 in December
    expect(decemberFigures).toEqual(computeKpis(accounts, stored, nps, december));
    // January: I starts at 40, and its contraction to 70 is now an expansion of 30.
    const january = await computeKpisFromDb(it.db, { from, to });
    expect(january.total.mrr).toMatchObject({ atStart: 600, expansion: 220, contraction: 50 }); // 660 - 60; 190 + 30; 80 - 30
    expect(january).toEqual(computeKpis(accounts, stored, nps, { from, to }));
  });

  test('a view kept by an API process follows writes made elsewhere, through the journal', async () => {
    const view = new KpiView(it.db);
    const before = await view.report({ from, to, groupBy: 'segment' });
    expect(before).toEqual(await computeKpisFromDb(it.db, { from, to, groupBy: 'segment' }));
    // Another process records a churn dated in January; the view's next answer has it.
    const churn = {
      id: 'ev-churn-B',
      accountId: 'B',
      type: 'churned',
      occurredAt: d('2025-01-15T00:00:00Z'),
    };
    await recordAccountEvent(it.db, churn);
    await recordAccountEvent(it.db, churn); // a retried write with the same id folds once
    stored.push(churn);
    const after = await view.report({ from, to, groupBy: 'segment' });
    expect(after).not.toEqual(before);
    expect(after).toEqual(computeKpis(accounts, stored, nps, { from, to, groupBy: 'segment' }));
  });

  test('more changes than an incremental read takes make the view reload, with the same figures', async () => {
    const view = new KpiView(it.db, { maxIncremental: 1 });
    await view.report({ from, to });
    const upsells = [
      { id: 'ev-up-1', accountId: 'C', type: 'upsell', occurredAt: d('2025-01-20T00:00:00Z'), mrr: 999 },
      { id: 'ev-up-2', accountId: 'D', type: 'upsell', occurredAt: d('2025-01-21T00:00:00Z'), mrr: 888 },
    ];
    for (const e of upsells) await recordAccountEvent(it.db, e);
    stored.push(...upsells);
    expect(await view.report({ from, to })).toEqual(computeKpis(accounts, stored, nps, { from, to }));
  });

  test('a bulk import gives the figures the live path gives, and importing it again changes nothing', async () => {
    const db = it.db.client.db(`${it.db.databaseName}_import`);
    try {
      const batch = {
        accounts: accounts.map((a) => ({
          _id: a.id,
          segment: a.segment,
          plan: a.plan,
          mrr: a.mrr,
          startedAt: a.startedAt,
        })),
        events: stored.map((e, i) => ({ ...e, id: `imported-${i}` })),
        nps: nps.map((r, i) => ({ ...r, id: `nps-${i}` })),
      };
      await importHistory(db, batch);
      const once = await computeKpisFromDb(db, { from, to, groupBy: 'plan' });
      expect(once).toEqual(computeKpis(accounts, stored, nps, { from, to, groupBy: 'plan' }));
      await importHistory(db, batch);
      expect(await computeKpisFromDb(db, { from, to, groupBy: 'plan' })).toEqual(once);
    } finally {
      await db.dropDatabase();
    }
  });
});

describe('NPS, runs and operations in the database', () => {
  test('an NPS response with an idempotency key is stored once', async () => {
    const response = {
      accountId: 'I',
      score: 3,
      respondedAt: d('2025-03-02T00:00:00Z'),
      idempotencyKey: 'survey-7:I',
    };
    const first = await recordNps(it.db, response);
    expect(await recordNps(it.db, response)).toEqual(first);
    const march = await computeKpisFromDb(it.db, {
      from: d('2025-03-01T00:00:00Z'),
      to: d('2025-04-01T00:00:00Z'),
    });
    expect(march.total.nps).toEqual({ responses: 1, promoters: 0, passives: 0, detractors: 1, score: -100 });
  });

  test("playbook effectiveness and operations read the engine's collections", async () => {
    const run = (
      id: string,
      control: boolean,
      goalReached: boolean | null,
      startedAt: string,
      endedAt?: string,
    ) => ({
      _id: id,
      playbookId: 'rescue',
      control,
      goalReached,
      status: endedAt ? 'completed' : 'running',
      startedAt: d(startedAt),
      ...(endedAt ? { endedAt: d(endedAt) } : {}),
    });
    await collections(it.db).runs.insertMany([
      run('r1', false, true, '2025-01-02T00:00:00Z', '2025-01-06T00:00:00Z'),
      run('r2', false, false, '2025-01-03T00:00:00Z', '2025-01-20T00:00:00Z'),
      run('r3', true, false, '2025-01-03T00:00:00Z', '2025-01-20T00:00:00Z'),
      run('r4', false, null, '2025-02-03T00:00:00Z'),
    ] as never[]);
    const [rescue] = await playbookEffectivenessFromDb(it.db, { from, to });
    // treated r1, r2: 1 of 2 → 50 %, 4 days; control r3: 0 of 1 → 0 %; lift 50 points; r4 is in February
    expect(rescue).toEqual({
      playbookId: 'rescue',
      runs: 2,
      finished: 2,
      goalReached: 1,
      goalRate: 50,
      medianDaysToGoal: 4,
      control: { runs: 1, finished: 1, goalReached: 0, goalRate: 0, medianDaysToGoal: null },
      lift: 50,
    });

    await collections(it.db).healthObservations.insertMany([
      { accountId: 'A', score: 75, band: 'green', observedAt: d('2025-01-05T00:00:00Z') },
      { accountId: 'A', score: 30, band: 'red', observedAt: d('2025-01-25T00:00:00Z') },
      { accountId: 'B', score: 50, band: 'yellow', observedAt: d('2025-01-05T00:00:00Z') },
    ] as never[]);
    await collections(it.db).tasks.insertMany([
      {
        _id: 't1',
        assignee: 'maya',
        status: 'open',
        due: d('2025-01-10T00:00:00Z'),
        createdAt: d('2025-01-02T00:00:00Z'),
      },
      {
        _id: 't2',
        assignee: 'maya',
        status: 'completed',
        due: d('2025-01-10T00:00:00Z'),
        createdAt: d('2025-01-02T00:00:00Z'),
        completedAt: d('2025-01-09T00:00:00Z'),
      },
    ] as never[]);
    // On Jan 10: A green (30 comes later), B yellow; maya's t1 due exactly then is not yet overdue.
    expect(await operationsFromDb(it.db, { at: d('2025-01-10T00:00:00Z') }, defaultThresholds)).toEqual({
      healthBands: { green: 1, yellow: 1, red: 0 },
      tasks: [{ assignee: 'maya', open: 1, overdue: 0, completed: 0 }],
    });
    // January: A red at the end; t1 overdue at `to`; t2 completed within.
    expect(await operationsFromDb(it.db, { from, to }, defaultThresholds)).toEqual({
      healthBands: { green: 0, yellow: 1, red: 1 },
      tasks: [{ assignee: 'maya', open: 1, overdue: 1, completed: 1 }],
    });
  });
});
