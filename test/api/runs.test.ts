import { beforeAll, describe, expect, it } from 'vitest';
import { collections } from '../../lib/collections.js';
import { useApiStack } from './helpers.js';

describe('API runs', () => {
  const api = useApiStack('runs', { worker: true });
  beforeAll(async () => {
    await api.publish(api.playbookYaml('api-manual', 'manual'));
    for (const id of ['r-1', 'r-2', 'r-3', 'r-other']) {
      await api.call('POST', '/v1/accounts', {
        body: api.accountBody({ id, ...(id === 'r-other' ? { csm: api.users.otherCsm.email } : {}) }),
      });
    }
  });

  const enrol = (accountId: string, token?: string) =>
    api.call('POST', '/v1/playbooks/api-manual/runs', { body: { accountId }, ...(token ? { token } : {}) });
  // Run ids are URL-safe: they go into a path as they are.
  const runUrl = (id: string) => `/v1/runs/${id}`;

  it('enrols an account by hand and answers the started run', async () => {
    const res = await enrol('r-1', api.tokens.csm);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      playbookId: 'api-manual',
      status: 'started',
      runId: expect.stringMatching(/^run_[A-Za-z0-9_-]+$/),
    });
  });

  it('answers 409 run_already_running for a second enrolment while the first runs', async () => {
    await enrol('r-2');
    const res = await enrol('r-2');
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('run_already_running');
  });

  it('answers 404 for an unknown playbook or account', async () => {
    expect(
      (await api.call('POST', '/v1/playbooks/no-such/runs', { body: { accountId: 'r-1' } })).statusCode,
    ).toBe(404);
    expect((await enrol('ghost')).statusCode).toBe(404);
  });

  it('forbids a CSM to enrol an account they do not own', async () => {
    expect((await enrol('r-other', api.tokens.csm)).statusCode).toBe(403);
  });

  it('shows a run with its status, current step and audit trail', async () => {
    const { runId } = (await enrol('r-3')).json();
    const run = await api.eventually(async () => {
      const res = await api.call('GET', runUrl(runId));
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().audit.length).toBeGreaterThan(0);
      return res.json();
    });
    expect(run).toMatchObject({
      id: runId,
      accountId: 'r-3',
      playbookId: 'api-manual',
      playbookVersion: 1,
      status: 'running',
      control: false,
    });
  });

  it('answers the latest 50 audit entries and pages the whole trail from runAudit', async () => {
    // r-1's run, enrolled above.
    const runId = (await api.call('GET', '/v1/runs?accountId=r-1')).json().items[0].id as string;
    const { runs, runAudit } = collections(api.db);
    await api.eventually(async () =>
      expect((await runs.findOne({ _id: runId }))?.auditLength).toBeGreaterThan(0),
    );
    const stored = (await runs.findOne({ _id: runId }))!.auditLength!;
    // 120 more entries, as a long run's would be stored.
    await runAudit.insertMany(
      Array.from({ length: 120 }, (_, i) => ({
        _id: `${runId}:${String(1_000 + i).padStart(9, '0')}`,
        runId,
        seq: 1_000 + i,
        at: new Date(),
        step: null,
        kind: 'health',
        event: 'changed',
        detail: { score: i },
      })),
    );
    await runs.updateOne({ _id: runId }, { $set: { auditLength: 1_120 } });
    const read = (await api.call('GET', runUrl(runId))).json();
    expect(read.auditTotal).toBe(1_120);
    expect(read.audit).toHaveLength(50);
    expect(read.audit.at(-1)).toMatchObject({ kind: 'health', detail: { score: 119 } });
    const first = await api.call('GET', `${runUrl(runId)}/audit?limit=3`);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ total: 1_120, limit: 3, offset: 0 });
    expect(first.json().items.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['trigger']),
    );
    // The run's own first entries (it may have stored more since).
    expect(first.json().items.length).toBeGreaterThanOrEqual(Math.min(3, stored));
    expect(first.json().items.length).toBeLessThanOrEqual(3);
    const last = (await api.call('GET', `${runUrl(runId)}/audit?offset=1100&limit=50`)).json();
    expect(last.items.map((e: { detail: { score: number } }) => e.detail.score)).toEqual(
      Array.from({ length: 20 }, (_, i) => 100 + i),
    );
  });

  it('reads a run recorded before runAudit from its audit array', async () => {
    const { runs } = collections(api.db);
    const runId = 'run_legacy0000000000000000000000001';
    await runs.insertOne({
      _id: runId,
      workflowId: 'run:legacy-manual:r-3',
      firstExecutionRunId: 'legacy-0000',
      accountId: 'r-3',
      // Not api-manual: the lists below count that playbook's runs.
      playbookId: 'legacy-manual',
      playbookVersion: 1,
      control: false,
      status: 'completed',
      currentStep: null,
      outcome: 'done',
      goalReached: false,
      trigger: { on: 'manual' },
      audit: Array.from({ length: 60 }, (_, i) => ({
        at: new Date(Date.UTC(2026, 0, 1, 0, i)),
        step: null,
        kind: 'event',
        event: 'received',
        detail: { n: i },
      })),
      auditLength: 60,
      startedAt: new Date(Date.UTC(2026, 0, 1)),
      endedAt: new Date(Date.UTC(2026, 0, 2)),
    });
    const read = (await api.call('GET', runUrl(runId))).json();
    expect(read.auditTotal).toBe(60);
    expect(read.audit.map((e: { detail: { n: number } }) => e.detail.n)).toEqual(
      Array.from({ length: 50 }, (_, i) => 10 + i),
    );
    const page = (await api.call('GET', `${runUrl(runId)}/audit?limit=5&offset=0`)).json();
    expect(page).toMatchObject({ total: 60, limit: 5, offset: 0 });
    expect(page.items.map((e: { detail: { n: number } }) => e.detail.n)).toEqual([0, 1, 2, 3, 4]);
  });

  it('answers 404 for an unknown run and 400 for a malformed run id', async () => {
    expect((await api.call('GET', runUrl('run_00000000000000000000000000000000'))).statusCode).toBe(404);
    expect((await api.call('GET', runUrl('$where'))).statusCode).toBe(400);
    // The old shape, workflow id and first run id, is not a run id.
    expect(
      (await api.call('GET', `/v1/runs/${encodeURIComponent('run:api-manual:r-1/0f3c')}`)).statusCode,
    ).toBe(400);
  });

  it('lists runs filtered by account and status', async () => {
    await api.eventually(async () => {
      const res = await api.call('GET', '/v1/runs?accountId=r-1&status=running');
      expect(res.statusCode).toBe(200);
      expect(res.json().items.map((r: { accountId: string }) => r.accountId)).toEqual(['r-1']);
    });
  });

  it('lists for a CSM only the runs of their own accounts', async () => {
    await enrol('r-other');
    await api.eventually(async () =>
      expect((await api.call('GET', '/v1/runs?playbookId=api-manual')).json().total).toBe(4),
    );
    const res = await api.call('GET', '/v1/runs?playbookId=api-manual', { token: api.tokens.otherCsm });
    expect(res.json().items.map((r: { accountId: string }) => r.accountId)).toEqual(['r-other']);
  });

  it('cancels a run with a reason; the run ends cancelled', async () => {
    const { id: runId } = (await api.call('GET', '/v1/runs?accountId=r-2')).json().items[0];
    const res = await api.call('POST', `${runUrl(runId)}/cancel`, {
      body: { reason: 'customer asked for a pause' },
    });
    expect(res.statusCode).toBe(202);
    const run = await api.eventually(async () => {
      const after = (await api.call('GET', runUrl(runId))).json();
      expect(after.status).toBe('cancelled');
      return after;
    });
    expect(run.cancelReason).toContain('customer asked for a pause');
  });

  it('answers 409 run_finished when cancelling a run that has ended', async () => {
    const { id: runId } = (await api.call('GET', '/v1/runs?accountId=r-2&status=cancelled')).json().items[0];
    const res = await api.call('POST', `${runUrl(runId)}/cancel`, { body: { reason: 'again' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('run_finished');
  });
});
