/**
 * The whole story through HTTP only: an admin creates a CSM and an account, an integration
 * pushes a health drop, the rescue task appears for the CSM, who completes it; health
 * recovers, the run reaches its goal and ends; the outcome shows on the account's timeline and
 * in the KPIs.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { useApiStack } from './helpers.js';

const api = useApiStack('story', { worker: true });

// The shipped rescue playbook, uploaded the way CS ops would: the YAML file as the body.
const rescue = readFileSync(
  fileURLToPath(new URL('../../playbooks/low-usage-rescue.yaml', import.meta.url)),
  'utf8',
);

describe('a rescue, told through the API', () => {
  test('health drop → CSM task → completion → recovery → goal → timeline and KPIs', async () => {
    // A period around now, wide enough that a run crossing midnight UTC stays inside it.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const period = `from=${day(-1)}&to=${day(2)}`;
    const admin = api.tokens.admin;

    // CS ops sets up the people: a CSM and the billing integration, each with their own token.
    const csm = await api.call('POST', '/v1/users', {
      token: admin,
      body: { email: 'sam.story@retain.test', name: 'Sam Story', role: 'csm' },
    });
    expect(csm.statusCode).toBe(201);
    const csmToken = csm.json().token as string;
    const integration = await api.call('POST', '/v1/users', {
      token: admin,
      body: { email: 'billing@retain.test', name: 'Billing sync', role: 'integration' },
    });
    const ingestToken = integration.json().token as string;

    const published = await api.call('POST', '/v1/playbooks', { token: admin, yaml: rescue });
    expect(published.statusCode, published.body).toBe(201);
    expect(published.json()).toMatchObject({ id: 'low-usage-rescue', version: 1 });

    // 'story-acme' draws outside the playbook's 10% holdout, so the play really runs.
    const account = await api.call('POST', '/v1/accounts', {
      token: ingestToken,
      body: api.accountBody({
        id: 'story-acme',
        name: 'Story Acme',
        segment: 'high-touch',
        csm: 'sam.story@retain.test',
        startedAt: '2024-01-01T00:00:00Z',
      }),
    });
    expect(account.statusCode).toBe(201);

    expect(
      (
        await api.call('POST', '/v1/accounts/story-acme/health', { token: ingestToken, body: { score: 80 } })
      ).json().band,
    ).toBe('green');
    const drop = await api.call('POST', '/v1/accounts/story-acme/health', {
      token: ingestToken,
      body: { score: 28 },
    });
    expect(drop.json()).toMatchObject({ band: 'red', previousBand: 'green' });
    expect(drop.json().enrolments).toEqual([
      expect.objectContaining({ playbookId: 'low-usage-rescue', status: 'started', control: false }),
    ]);

    // The CSM's task list shows the urgent rescue call, with the outcomes it allows.
    const task = await api.eventually(async () => {
      const res = await api.call('GET', '/v1/tasks?assignee=me&status=open', { token: csmToken });
      expect(res.json().items).toHaveLength(1);
      return res.json().items[0];
    });
    expect(task).toMatchObject({
      title: 'Urgent: call Story Acme about falling usage',
      priority: 'urgent',
      outcomes: ['reached', 'no_answer', 'churn_risk'],
      accountId: 'story-acme',
    });
    expect((await api.call('GET', `/v1/tasks/${task.id}`, { token: api.tokens.otherCsm })).statusCode).toBe(
      403,
    );

    const done = await api.call('POST', `/v1/tasks/${task.id}/complete`, {
      token: csmToken,
      body: { outcome: 'reached', note: 'Champion left; agreed a training session' },
    });
    expect(done.json()).toMatchObject({ status: 'completed', outcome: 'reached', delivery: 'delivered' });

    // The run moves on past the call: no churn risk was reported, so it waits two weeks.
    await api.eventually(async () => {
      const run = (await api.call('GET', `/v1/runs/${task.runId}`, { token: csmToken })).json();
      expect(run.status).toBe('running');
      expect(run.currentStep).toBe('steps[2]');
    });

    // Usage recovers: the goal (health back to green) holds and the run ends at once.
    expect(
      (
        await api.call('POST', '/v1/accounts/story-acme/health', { token: ingestToken, body: { score: 76 } })
      ).json().band,
    ).toBe('green');
    const ended = await api.eventually(async () => {
      const run = (await api.call('GET', `/v1/runs/${task.runId}`, { token: admin })).json();
      expect(run.status).toBe('completed');
      return run;
    });
    expect(ended).toMatchObject({ outcome: 'rescued', goalReached: true });

    // The timeline tells it, newest first: recovery, the goal, the CSM's answer, the drop.
    const timeline = (await api.call('GET', '/v1/accounts/story-acme/timeline', { token: csmToken })).json();
    const times = timeline.items.map((i: { at: string }) => i.at);
    expect([...times].sort().reverse()).toEqual(times);
    const summaries = timeline.items.map((i: { summary: string }) => i.summary);
    expect(summaries).toEqual(
      expect.arrayContaining([
        'Health 76 (green, was red)',
        'Outcome rescued (low-usage-rescue)',
        'Playbook low-usage-rescue completed: rescued',
        'Task "Urgent: call Story Acme about falling usage" completed: reached',
        'Playbook low-usage-rescue started',
        'Health 28 (red, was green)',
      ]),
    );
    expect(summaries.indexOf('Outcome rescued (low-usage-rescue)')).toBeLessThan(
      summaries.indexOf('Task "Urgent: call Story Acme about falling usage" completed: reached'),
    );
    // Every item that names the run or the task names it by the id the API gave out.
    const data = timeline.items.map((i: { data: Record<string, unknown> }) => i.data);
    expect(
      new Set(data.filter((d: { runId?: string }) => d.runId).map((d: { runId: string }) => d.runId)),
    ).toEqual(new Set([task.runId]));
    expect(
      new Set(data.filter((d: { taskId?: string }) => d.taskId).map((d: { taskId: string }) => d.taskId)),
    ).toEqual(new Set([task.id]));

    // And the KPIs count it: one rescue run, finished, goal reached; the CSM's task completed.
    const effectiveness = (await api.call('GET', `/v1/kpis/playbooks?${period}`, { token: admin })).json();
    expect(effectiveness.playbooks).toEqual([
      expect.objectContaining({
        playbookId: 'low-usage-rescue',
        runs: 1,
        finished: 1,
        goalReached: 1,
        goalRate: 100,
      }),
    ]);
    const kpis = (await api.call('GET', `/v1/kpis?${period}`, { token: admin })).json();
    expect(kpis.total.accounts).toMatchObject({ atStart: 1, churned: 0, atEnd: 1 });
    expect(kpis.total.retentionRate).toBe(100);
    expect((await api.call('GET', `/v1/kpis?${period}`, { token: csmToken })).statusCode).toBe(403);
    const operations = (await api.call('GET', `/v1/kpis/operations?${period}`, { token: admin })).json();
    expect(operations.healthBands).toEqual({ green: 1, yellow: 0, red: 0 });
    expect(operations.tasks).toEqual([{ assignee: csm.json().user.id, open: 0, overdue: 0, completed: 1 }]);
  });
});
