/**
 * The whole story through HTTP only: an admin creates a CSM and an account, an integration
 * pushes a health drop, the rescue task appears for the CSM, who completes it; health
 * recovers, the run reaches its goal and ends; the outcome shows on the account's timeline and
 * in the KPIs.
 */
import { describe, expect, test } from 'vitest';
import { useApiStack } from './helpers.js';

const api = useApiStack('story', { worker: true });

const rescue = `id: story-rescue
name: Low-usage rescue (story)
trigger:
  on: health.changed
  when: health.band == "red" && previous.band != "red"
goal:
  when: health.score >= 70
  outcome: rescued
  within: 30d
  missedOutcome: rescue_failed
steps:
  - id: rescue_call
    task:
      title: "Call {{account.name}} about falling usage"
      priority: urgent
      due: 2d
      outcomes: [reached, no_answer]
  - id: wait_call
    waitFor: { task: rescue_call, timeout: 5d }
  - if: steps.rescue_call.outcome == "reached"
    then:
      - outcome: csm_reached_customer
  - wait: 7d
`;

describe('a rescue, told through the API', () => {
  test('health drop → CSM task → completion → recovery → goal → timeline and KPIs', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const admin = api.tokens.admin;

    const csm = await api.call('POST', '/v1/users', { token: admin, body: { email: 'sam.story@retain.test', name: 'Sam Story', role: 'csm' } });
    expect(csm.statusCode).toBe(201);
    const csmToken = csm.json().token as string;
    const integration = await api.call('POST', '/v1/users', { token: admin, body: { email: 'billing@retain.test', name: 'Billing sync', role: 'integration' } });
    const ingestToken = integration.json().token as string;

    expect((await api.call('POST', '/v1/playbooks', { token: admin, yaml: rescue })).statusCode).toBe(201);
    const account = await api.call('POST', '/v1/accounts', {
      token: ingestToken,
      body: api.accountBody({ id: 'story-acme', name: 'Story Acme', csm: 'sam.story@retain.test', startedAt: '2024-01-01T00:00:00Z' }),
    });
    expect(account.statusCode).toBe(201);

    expect((await api.call('POST', '/v1/accounts/story-acme/health', { token: ingestToken, body: { score: 80 } })).json().band).toBe('green');
    const drop = await api.call('POST', '/v1/accounts/story-acme/health', { token: ingestToken, body: { score: 28 } });
    expect(drop.json()).toMatchObject({ band: 'red', previousBand: 'green' });
    expect(drop.json().enrolments).toEqual([expect.objectContaining({ playbookId: 'story-rescue', status: 'started' })]);

    const task = await api.eventually(async () => {
      const res = await api.call('GET', '/v1/tasks?assignee=me&status=open', { token: csmToken });
      expect(res.json().items).toHaveLength(1);
      return res.json().items[0];
    });
    expect(task).toMatchObject({ title: 'Call Story Acme about falling usage', priority: 'urgent', outcomes: ['reached', 'no_answer'] });

    const done = await api.call('POST', `/v1/tasks/${encodeURIComponent(task.id)}/complete`, { token: csmToken, body: { outcome: 'reached', note: 'Agreed on a training session' } });
    expect(done.json()).toMatchObject({ status: 'completed', delivery: 'delivered' });

    // The run moves on: it records the CSM's outcome and waits a week (still running).
    await api.eventually(async () => {
      const run = (await api.call('GET', `/v1/runs/${encodeURIComponent(task.runId)}`, { token: csmToken })).json();
      expect(run.audit.some((e: { event: string; detail: { outcome?: string } }) => e.event === 'recorded' && e.detail.outcome === 'csm_reached_customer')).toBe(true);
      expect(run.currentStep).toBe('steps[3]');
    });

    // Usage recovers: the goal holds and the run ends at once.
    expect((await api.call('POST', '/v1/accounts/story-acme/health', { token: ingestToken, body: { score: 76 } })).json().band).toBe('green');
    const ended = await api.eventually(async () => {
      const run = (await api.call('GET', `/v1/runs/${encodeURIComponent(task.runId)}`, { token: admin })).json();
      expect(run.status).toBe('completed');
      return run;
    });
    expect(ended).toMatchObject({ outcome: 'rescued', goalReached: true });

    const timeline = (await api.call('GET', '/v1/accounts/story-acme/timeline', { token: csmToken })).json();
    const types = timeline.items.map((i: { type: string }) => i.type);
    expect(types).toEqual(expect.arrayContaining(['health', 'run', 'task', 'outcome']));
    expect(timeline.items.filter((i: { type: string }) => i.type === 'outcome').map((i: { data: { name: string } }) => i.data.name).sort()).toEqual(['csm_reached_customer', 'rescued']);
    const times = timeline.items.map((i: { at: string }) => i.at);
    expect([...times].sort().reverse()).toEqual(times);

    const effectiveness = (await api.call('GET', `/v1/kpis/playbooks?from=${today}&to=${tomorrow}`, { token: admin })).json();
    expect(effectiveness.playbooks).toEqual([expect.objectContaining({ playbookId: 'story-rescue', runs: 1, finished: 1, goalReached: 1, goalRate: 100 })]);
    const kpis = (await api.call('GET', `/v1/kpis?from=${today}&to=${tomorrow}`, { token: admin })).json();
    expect(kpis.total.accounts).toMatchObject({ atStart: 1, churned: 0, atEnd: 1 });
    expect((await api.call('GET', `/v1/kpis?from=${today}&to=${tomorrow}`, { token: csmToken })).statusCode).toBe(403);
    const operations = (await api.call('GET', `/v1/kpis/operations?from=${today}&to=${tomorrow}`, { token: admin })).json();
    expect(operations.healthBands).toEqual({ green: 1, yellow: 0, red: 0 });
    expect(operations.tasks).toEqual([{ assignee: csm.json().user.id, open: 0, overdue: 0, completed: 1 }]);
  });
});
