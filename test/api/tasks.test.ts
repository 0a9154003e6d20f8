/**
 * Tasks through HTTP on the real stack, with a worker running the real playbook workflow:
 * a health drop creates the CSM's task; completing it moves the run on; other CSMs can
 * neither see nor complete it.
 */
import { describe, expect, test } from 'vitest';
import { InterceptingCall, ListenerBuilder, type Interceptor } from '@grpc/grpc-js';
import { Client, Connection } from '@temporalio/client';
import { MongoClient } from 'mongodb';
import { buildApp } from '../../server/app.js';
import { useApiStack } from './helpers.js';

const api = useApiStack('tasks', { worker: true });

const rescueYaml = `id: test-rescue
name: Test rescue
trigger:
  on: health.changed
  when: health.band == "red" && previous.band != "red"
steps:
  - id: call
    task:
      title: "Call {{account.name}} about low usage"
      priority: high
      due: 2d
      outcomes: [reached, no_answer]
  - waitFor: { task: call, timeout: 5d }
  - if: steps.call.outcome == "reached"
    then:
      - outcome: { name: customer_reached, end: true }
    else:
      - outcome: { name: not_reached, end: true }
`;

async function redAccountWithTask() {
  const created = await api.call('POST', '/v1/accounts', { body: api.accountBody() });
  expect(created.statusCode).toBe(201);
  const accountId = created.json().id as string;
  const health = await api.call('POST', `/v1/accounts/${accountId}/health`, { body: { score: 20 } });
  expect(health.statusCode).toBe(201);
  expect(health.json().enrolments).toEqual(
    expect.arrayContaining([expect.objectContaining({ playbookId: 'test-rescue', status: 'started' })]),
  );
  const task = await api.eventually(async () => {
    const list = await api.call('GET', `/v1/tasks?assignee=me&accountId=${accountId}`, {
      token: api.tokens.csm,
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toHaveLength(1);
    return list.json().items[0];
  });
  return { accountId, task };
}

describe('tasks', () => {
  test('a health drop gives the owning CSM a task with the outcomes it allows', async () => {
    await api.publish(rescueYaml);
    const { task } = await redAccountWithTask();
    expect(task).toMatchObject({
      status: 'open',
      priority: 'high',
      outcomes: ['reached', 'no_answer'],
      assignee: api.users.csm.id,
    });
    expect(task.title).toMatch(/^Call .+ about low usage$/);
    const one = await api.call('GET', `/v1/tasks/${task.id}`, { token: api.tokens.csm });
    expect(one.statusCode).toBe(200);
    expect(one.json().outcomes).toEqual(['reached', 'no_answer']);
  });

  test('task and run ids are URL-safe: listed, they go into a URL as they are', async () => {
    const { accountId, task } = await redAccountWithTask();
    const urlSafe = /^[A-Za-z0-9_-]+$/;
    expect(task.id).toMatch(urlSafe);
    expect(task.runId).toMatch(urlSafe);
    const runs = await api.call('GET', `/v1/runs?accountId=${accountId}`);
    expect(runs.statusCode).toBe(200);
    const [run] = runs.json().items;
    expect(run.id).toMatch(urlSafe);
    expect(run.id).toBe(task.runId);

    const readTask = await api.call('GET', `/v1/tasks/${task.id}`, { token: api.tokens.csm });
    expect(readTask.statusCode, readTask.body).toBe(200);
    expect(readTask.json()).toMatchObject({ id: task.id, runId: run.id });
    // The run, read by its id, names the task in its audit trail by the same id.
    await api.eventually(async () => {
      const readRun = await api.call('GET', `/v1/runs/${run.id}`, { token: api.tokens.csm });
      expect(readRun.statusCode, readRun.body).toBe(200);
      expect(readRun.json().id).toBe(run.id);
      expect(readRun.json().audit).toContainEqual(
        expect.objectContaining({
          step: 'call',
          event: 'created',
          detail: expect.objectContaining({ taskId: task.id }),
        }),
      );
    });
  });

  test('completing with an outcome moves the run on to its end', async () => {
    const { task } = await redAccountWithTask();
    const done = await api.call('POST', `/v1/tasks/${task.id}/complete`, {
      token: api.tokens.csm,
      body: { outcome: 'reached', note: 'Spoke with Dana' },
    });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ status: 'completed', outcome: 'reached', delivery: 'delivered' });
    const run = await api.eventually(async () => {
      const r = await api.call('GET', `/v1/runs/${task.runId}`);
      expect(r.json().status).toBe('completed');
      return r.json();
    });
    expect(run.outcome).toBe('customer_reached');
    const again = await api.call('POST', `/v1/tasks/${task.id}/complete`, {
      token: api.tokens.csm,
      body: { outcome: 'no_answer' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('task_not_open');
  });

  test('a completion costs three round trips: the task read, the decision with its projection, the signal', async () => {
    const { task } = await redAccountWithTask();
    // A second app over the same servers, its MongoDB commands and Temporal calls logged on the
    // wire as they start and end.
    const log: string[] = [];
    const background = /^(\w+ (kpi\w+|npsResponses)|endSessions .*)$/;
    const names = new Map<number, string>();
    const mongo = new MongoClient(api.config.mongodbUri, { monitorCommands: true });
    mongo.on('commandStarted', (e) => {
      const name = `${e.commandName} ${String(e.command[e.commandName])}`;
      // The new app's KPI view loads its histories in the background (kpi*, npsResponses), and
      // the driver ends idle sessions: neither is the completion's.
      if (background.test(name)) return;
      names.set(e.requestId, name);
      log.push(`start ${name}`);
    });
    const ended = (e: { requestId: number }) => {
      const name = names.get(e.requestId);
      if (name) log.push(`end ${name}`);
    };
    mongo.on('commandSucceeded', ended);
    mongo.on('commandFailed', ended);
    const counting: Interceptor = (options, nextCall) => {
      const name = options.method_definition.path.split('/').pop()!;
      log.push(`start ${name}`);
      return new InterceptingCall(nextCall(options), {
        start: (metadata, listener, next) =>
          next(
            metadata,
            new ListenerBuilder()
              .withOnReceiveStatus((status, nextStatus) => {
                log.push(`end ${name}`);
                nextStatus(status);
              })
              .build(),
          ),
      });
    };
    const connection = await Connection.connect({
      address: api.config.temporalAddress,
      interceptors: [counting],
    });
    const app = await buildApp(
      {
        config: api.config,
        db: mongo.db(api.config.mongodbDb),
        temporal: new Client({ connection, namespace: api.config.temporalNamespace }),
      },
      { logger: false },
    );
    try {
      const headers = { authorization: `Bearer ${api.tokens.csm}` };
      // The token's look-up, remembered for TOKEN_CACHE_SECONDS, is not part of the count.
      expect((await app.inject({ method: 'GET', url: '/v1/users/me', headers })).statusCode).toBe(200);
      // Connections open, as a running API's are: the two commands sent together go out together.
      await Promise.all(Array.from({ length: 4 }, () => mongo.db('admin').command({ ping: 1 })));
      log.length = 0;
      const done = await app.inject({
        method: 'POST',
        url: `/v1/tasks/${task.id}/complete`,
        headers: { ...headers, 'content-type': 'application/json' },
        payload: JSON.stringify({ outcome: 'reached' }),
      });
      expect(done.statusCode, done.body).toBe(200);
      expect(done.json()).toMatchObject({ status: 'completed', delivery: 'delivered' });
      // The delivery's result is the last write, sent as the answer goes out (not awaited).
      await api.eventually(async () => expect(log.filter((e) => e === 'end update tasks')).toHaveLength(2));
      // A round trip: calls sent together, none sent before all earlier ones came back.
      const rounds: string[][] = [];
      let outstanding = 0;
      for (const entry of log) {
        const [edge, ...name] = entry.split(' ');
        if (edge === 'start') {
          if (outstanding === 0) rounds.push([]);
          rounds.at(-1)!.push(name.join(' '));
          outstanding++;
        } else outstanding--;
      }
      expect(
        rounds.map((r) => [...r].sort()),
        log.join(', '),
      ).toEqual([
        ['find tasks'],
        ['insert taskDecisions', 'update tasks'],
        ['SignalWorkflowExecution'],
        ['update tasks'],
      ]);
    } finally {
      await app.close();
      await connection.close();
      await mongo.close();
    }
    const read = await api.call('GET', `/v1/tasks/${task.id}`, { token: api.tokens.csm });
    expect(read.json()).toMatchObject({ status: 'completed', outcome: 'reached' });
  });

  test('a decided task cannot be snoozed or reassigned', async () => {
    const { task } = await redAccountWithTask();
    const done = await api.call('POST', `/v1/tasks/${task.id}/complete`, {
      token: api.tokens.csm,
      body: { outcome: 'no_answer' },
    });
    expect(done.statusCode).toBe(200);
    const until = new Date(Date.now() + 86_400_000).toISOString();
    const snoozed = await api.call('POST', `/v1/tasks/${task.id}/snooze`, {
      token: api.tokens.csm,
      body: { until },
    });
    expect(snoozed.statusCode).toBe(409);
    const moved = await api.call('POST', `/v1/tasks/${task.id}/reassign`, {
      token: api.tokens.admin,
      body: { assignee: api.users.otherCsm.email },
    });
    expect(moved.statusCode).toBe(409);
    const again = await api.call('POST', `/v1/tasks/${task.id}/complete`, {
      token: api.tokens.csm,
      body: { outcome: 'no_answer' },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'completed', outcome: 'no_answer' });
  });

  test('an outcome the task does not allow is refused with the allowed ones', async () => {
    const { task } = await redAccountWithTask();
    const res = await api.call('POST', `/v1/tasks/${task.id}/complete`, {
      token: api.tokens.csm,
      body: { outcome: 'maybe' },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'outcome_not_allowed',
      details: { allowed: ['reached', 'no_answer'] },
    });
  });

  test('another CSM can neither see nor complete the task', async () => {
    const { task } = await redAccountWithTask();
    const list = await api.call('GET', '/v1/tasks?assignee=me', { token: api.tokens.otherCsm });
    expect(list.json().items.map((t: { id: string }) => t.id)).not.toContain(task.id);
    const read = await api.call('GET', `/v1/tasks/${task.id}`, {
      token: api.tokens.otherCsm,
    });
    expect(read.statusCode).toBe(403);
    const complete = await api.call('POST', `/v1/tasks/${task.id}/complete`, {
      token: api.tokens.otherCsm,
      body: { outcome: 'reached' },
    });
    expect(complete.statusCode).toBe(403);
    const others = await api.call('GET', `/v1/tasks?assignee=${api.users.csm.id}`, {
      token: api.tokens.otherCsm,
    });
    expect(others.statusCode).toBe(403);
  });

  test('snooze, reassign and comment', async () => {
    const { task } = await redAccountWithTask();
    const id = task.id;
    const until = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const snoozed = await api.call('POST', `/v1/tasks/${id}/snooze`, {
      token: api.tokens.csm,
      body: { until },
    });
    expect(snoozed.json()).toMatchObject({ due: until, snoozedUntil: until });
    const past = await api.call('POST', `/v1/tasks/${id}/snooze`, {
      token: api.tokens.csm,
      body: { until: '2000-01-01T00:00:00Z' },
    });
    expect(past.json().error.code).toBe('snooze_in_past');
    const commented = await api.call('POST', `/v1/tasks/${id}/comments`, {
      token: api.tokens.csm,
      body: { text: 'Left a voicemail' },
    });
    expect(commented.statusCode).toBe(201);
    expect(commented.json().comments).toEqual([
      expect.objectContaining({ by: api.users.csm.id, text: 'Left a voicemail' }),
    ]);
    const moved = await api.call('POST', `/v1/tasks/${id}/reassign`, {
      token: api.tokens.csm,
      body: { assignee: api.users.otherCsm.email },
    });
    expect(moved.json().assignee).toBe(api.users.otherCsm.id);
    const nobody = await api.call('POST', `/v1/tasks/${id}/reassign`, {
      token: api.tokens.admin,
      body: { assignee: 'nobody@nowhere.test' },
    });
    expect(nobody.statusCode).toBe(422);
  });

  test('bad ids, unknown fields and integrations are refused', async () => {
    const malformed = await api.call('GET', '/v1/tasks/not-a-task-id');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.code).toBe('validation_failed');
    // The router normalises dot segments: a traversal attempt lands on a route, never a file.
    expect((await api.call('GET', '/v1/tasks/..%2F..%2Fetc')).statusCode).toBeLessThan(500);
    const injected = await api.call('GET', '/v1/tasks?status[$ne]=open');
    expect(injected.statusCode, injected.body).toBe(400);
    expect((await api.call('GET', '/v1/tasks', { token: api.tokens.integration })).statusCode).toBe(403);
    expect((await api.call('GET', '/v1/tasks', { token: null })).statusCode).toBe(401);
    const missing = await api.call('GET', `/v1/tasks/task_${'A'.repeat(22)}`);
    expect(missing.statusCode).toBe(404);
    // The old shape, `<run id>:<step id>`, is not a task id.
    const old = `/v1/tasks/${encodeURIComponent('run:x:y/00000000-0000-0000-0000-000000000000:call')}`;
    expect((await api.call('GET', old)).statusCode).toBe(400);
  });
});
