/**
 * Scale-out: two API processes (server/main.ts) and two workers (worker/main.ts), as an operator
 * runs them behind a load balancer, against one Temporal and one database. Health batches and
 * task completions go to both APIs at once, some items of one account to both at the same
 * moment, with 200 runs live together; then nothing is doubled and nothing is missing: one run
 * per account and band crossing (20 accounts cross twice, their second crossing sent while
 * the other completions are in flight), one task per run, one email per run (in the emails
 * collection and as SMTP received it), one outcome per ended run. Both APIs answer the same
 * KPIs, and the renewal Schedule both workers make sure of exists once.
 *
 * Written against the HTTP contract only (POST /v1/health, /v1/tasks, /v1/kpis…); the database
 * and Temporal are read to count what was written and started. Eventual states are polled with
 * generous bounds (on a loaded two-core machine the file took 6–10 minutes; the report lines
 * say where the time went); nothing is timed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { renewalScanType, renewalScheduleId } from '../engine/index.js';
import { collections } from '../lib/collections.js';
import { freePort } from '../lib/free-port.js';
import { prng } from '../lib/prng.js';
import { useIntegration } from './harness/index.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const it = useIntegration('scale_out', { smtp: true });
const random = prng(1818);

const playbookId = 'scale-out-rescue';
/** A health.changed play with a visible effect at each step: a task, an email, an outcome. */
const playbook = `id: ${playbookId}
name: Scale-out rescue
trigger:
  on: health.changed
  when: health.band == "red" && previous.band != "red"
steps:
  - id: call
    task:
      title: "Call {{account.name}}: health is red"
      due: 2d
      outcomes: [reached, no_answer]
  - id: check_in
    email: { template: low-usage-check-in, to: primary }
  - waitFor: { task: call, timeout: 30d }
  - if: steps.call.outcome == "reached"
    then:
      - outcome: { name: contacted, end: true }
  - outcome: { name: not_contacted, end: true }
`;
/** The run's outcome for the task outcome it was completed with. */
const runOutcomeFor = { reached: 'contacted', no_answer: 'not_contacted' } as const;

/** Accounts whose health crosses into red (one run each); `calm` ones only go yellow. */
const crossing = Array.from({ length: 200 }, (_, i) => `so-red-${i}`);
const calm = Array.from({ length: 20 }, (_, i) => `so-calm-${i}`);
/** Crossing accounts that go back to green and into red again: a second crossing, a second run. */
const twice = crossing.slice(0, 20);
const allRuns = crossing.length + twice.length;

const minute = 60_000;
const started = Date.now();
const at = (minutesAgo: number, plusMs = 0) => new Date(started - minutesAgo * minute + plusMs).toISOString();
const day = (offsetDays: number) => new Date(started + offsetDays * 86_400_000).toISOString().slice(0, 10);
const kpiPeriod = `from=${day(-30)}&to=${day(1)}`;

// ---------------------------------------------------------------------------------------------
// The four processes

interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function launch(name: string, script: string, env: Record<string, string>): Proc {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The last 20,000 characters, for a failure message.
  const keep = (d: Buffer) => (output = (output + String(d)).slice(-20_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { name, child, output: () => output, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined/false), for at most `timeoutMs`. */
async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
  describeLast?: () => string,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${describeLast ? `; last: ${describeLast()}` : ''}`);
    await sleep(2_000);
  }
}

const adminToken = `rt_admin_scale_${randomUUID()}`;
let csmToken = '';
let csmId = '';
const apis: { url: string; proc: Proc }[] = [];
const workers: Proc[] = [];
let scheduleExistedBefore = false;
/** When both APIs and both workers were up, with the accounts created. */
let upAt = 0;

interface Answer {
  status: number;
  json: unknown;
}

async function call(
  api: number,
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string; headers?: Record<string, string>; yaml?: boolean } = {},
): Promise<Answer> {
  const res = await fetch(`${apis[api].url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${opts.token ?? adminToken}`,
      ...(body !== undefined ? { 'content-type': opts.yaml ? 'application/yaml' : 'application/json' } : {}),
      ...opts.headers,
    },
    ...(body !== undefined ? { body: opts.yaml ? String(body) : JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(120_000),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

/** `items` in order, at most `limit` at a time. */
async function inParallel<T, R>(items: T[], limit: number, work: (item: T, i: number) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i], i);
    }),
  );
  return results;
}

function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

function chunks<T>(items: T[], count: number): T[][] {
  const size = Math.ceil(items.length / count);
  return Array.from({ length: count }, (_, i) => items.slice(i * size, (i + 1) * size)).filter(
    (c) => c.length > 0,
  );
}

// ---------------------------------------------------------------------------------------------
// Health batches

interface HealthItem {
  accountId: string;
  score: number;
  observedAt: string;
}
interface ItemResult {
  index: number;
  accountId: string;
  status: 'recorded' | 'failed';
  band?: string;
  previousBand?: string;
  enrolments?: { playbookId: string; status: string; runId: string | null }[];
  error?: { code: string; message: string };
}
interface BatchAnswer {
  recorded: number;
  failed: number;
  results: ItemResult[];
}

let batchSeq = 0;
/**
 * One batch to one API, with an Idempotency-Key; an answer that is not a 200 with every item
 * recorded is retried with the same key, as a client does (a few times at most). Returns the
 * last answer and how many retries it took.
 */
async function sendBatch(
  api: number,
  items: HealthItem[],
): Promise<{ answer: BatchAnswer; retries: number }> {
  const key = `scale-batch-${++batchSeq}-${randomUUID()}`;
  let last: Answer = { status: 0, json: null };
  for (let attempt = 0; attempt < 5; attempt++) {
    last = await call(api, 'POST', '/v1/health', { items }, { headers: { 'idempotency-key': key } }).catch(
      (err: Error) => ({ status: 0, json: { error: err.message } }),
    );
    const answer = last.json as BatchAnswer;
    if (last.status === 200 && answer.failed === 0) return { answer, retries: attempt };
    await sleep(1_000);
  }
  throw new Error(`health batch to API ${api} not accepted: ${last.status} ${JSON.stringify(last.json)}`);
}

/** Sends every batch at once (`[api, items]`); returns the answers' items, and the retries made. */
async function sendBatches(batches: [number, HealthItem[]][]) {
  const sent = await Promise.all(batches.map(([api, items]) => sendBatch(api, items)));
  return {
    results: sent.flatMap((s) => s.answer.results),
    retries: sent.reduce((n, s) => n + s.retries, 0),
  };
}

/** Runs started per account by these answers. */
function startsPerAccount(results: ItemResult[]): Map<string, number> {
  const starts = new Map<string, number>();
  for (const r of results)
    for (const e of r.enrolments ?? [])
      if (e.playbookId === playbookId && e.status === 'started')
        starts.set(r.accountId, (starts.get(r.accountId) ?? 0) + 1);
  return starts;
}

// ---------------------------------------------------------------------------------------------
// What was written, counted

interface Counts {
  runs: number;
  running: number;
  completed: number;
  enrolments: number;
  tasks: number;
  openTasks: number;
  emailsSent: number;
  smtpEmails: number;
  outcomes: number;
}

/** Counted by the database (no documents fetched), so that polling stays light. */
async function counts(): Promise<Counts> {
  const db = collections(it.db);
  const [runs, running, completed, enrolments, tasks, openTasks, emailsSent, outcomes] = await Promise.all([
    db.runs.countDocuments({ playbookId }),
    db.runs.countDocuments({ playbookId, status: 'running' }),
    db.runs.countDocuments({ playbookId, status: 'completed' }),
    db.enrolments.countDocuments({ playbookId }),
    db.tasks.countDocuments({ playbookId }),
    db.tasks.countDocuments({ playbookId, status: 'open' }),
    db.emails.countDocuments({ status: 'sent' }),
    db.outcomes.countDocuments({ playbookId }),
  ]);
  const smtpEmails = it.inbox.messages.filter((m) => m.header('x-retain-run')).length;
  return { runs, running, completed, enrolments, tasks, openTasks, emailsSent, smtpEmails, outcomes };
}

let lastCounts: Counts | undefined;
/** The last counts, and what the processes said last, for a failure message. */
const describeCounts = () =>
  `${JSON.stringify(lastCounts)}\n${[...apis.map((a) => a.proc), ...workers]
    .map((p) => `${p.name} (exit ${p.child.exitCode}): ${p.output().slice(-1_500)}`)
    .join('\n')}`;
/** Bounded generously: on a loaded two-core machine 200 runs' tasks and emails take minutes. */
async function countsWhen(what: string, ok: (c: Counts) => boolean, timeoutMs = 600_000): Promise<Counts> {
  return until(
    what,
    async () => {
      const c = (lastCounts = await counts());
      return ok(c) && c;
    },
    timeoutMs,
    describeCounts,
  );
}

/**
 * Every record of the play, checked against what the test sent: per account as many runs as
 * crossings, per run one task, one email in the collection and one as SMTP received it, and
 * (ended runs) one outcome, the one its task's completion chose.
 */
async function checkRecords(crossings: Map<string, number>) {
  const db = collections(it.db);
  const runs = await db.runs.find({ playbookId }).toArray();
  const enrolments = await db.enrolments.find({ playbookId }).toArray();
  const tasks = await db.tasks.find({ playbookId }).toArray();
  const emails = await db.emails.find({ accountId: { $in: [...crossing, ...calm] } }).toArray();
  const outcomes = await db.outcomes.find({ playbookId }).toArray();
  const mails = it.inbox.messages.filter((m) => m.header('x-retain-run'));

  const tally = <T>(items: T[], key: (item: T) => string) => {
    const m = new Map<string, number>();
    for (const item of items) m.set(key(item), (m.get(key(item)) ?? 0) + 1);
    return m;
  };
  const expected = Object.fromEntries([...crossings].sort());
  // One run (and one enrolment) per account and crossing, none for an account that did not cross.
  expect(Object.fromEntries([...tally(runs, (r) => r.accountId)].sort())).toEqual(expected);
  expect(Object.fromEntries([...tally(enrolments, (e) => e.accountId)].sort())).toEqual(expected);
  expect(new Set(enrolments.map((e) => e._id))).toEqual(new Set(runs.map((r) => r._id)));

  const runIds = new Set(runs.map((r) => r._id));
  const once = (m: Map<string, number>) => [...m].filter(([, n]) => n !== 1);
  // One task per run (its one task step), for a run of this play.
  const tasksPerRun = tally(tasks, (t) => `${t.runId}|${t.stepId}`);
  expect(once(tasksPerRun)).toEqual([]);
  expect(new Set(tasks.map((t) => t.runId))).toEqual(runIds);
  expect(Object.fromEntries([...tally(tasks, (t) => t.accountId)].sort())).toEqual(expected);
  // One email per run: in the emails collection (sent) and as SMTP received it.
  expect(once(tally(emails, (e) => `${e.runId}|${e.stepId}`))).toEqual([]);
  expect(new Set(emails.map((e) => e.runId))).toEqual(runIds);
  expect(emails.filter((e) => e.status !== 'sent')).toEqual([]);
  const smtpPerRunStep = tally(mails, (m) => `${m.header('x-retain-run')}|${m.header('x-retain-step')}`);
  expect(once(smtpPerRunStep)).toEqual([]);
  expect(new Set(mails.map((m) => m.header('x-retain-run')))).toEqual(runIds);
  // …and each account's one contact got one email per crossing.
  const perRecipient = tally(
    mails.flatMap((m) => m.envelopeTo),
    (to) => to.toLowerCase().replace(/@customer\.test$/, ''),
  );
  expect(Object.fromEntries([...perRecipient].sort())).toEqual(expected);

  // One outcome per ended run, the one its task's outcome leads to; none for a live run.
  const ended = runs.filter((r) => r.status !== 'running');
  expect(ended.every((r) => r.status === 'completed')).toBe(true);
  expect(once(tally(outcomes, (o) => o.runId))).toEqual([]);
  expect(new Set(outcomes.map((o) => o.runId))).toEqual(new Set(ended.map((r) => r._id)));
  const taskOf = new Map(tasks.map((t) => [t.runId, t]));
  for (const run of ended) {
    const task = taskOf.get(run._id);
    const want = runOutcomeFor[task?.outcome as keyof typeof runOutcomeFor];
    expect({ run: run._id, outcome: run.outcome }).toEqual({ run: run._id, outcome: want });
  }
  for (const o of outcomes) {
    expect({ run: o.runId, outcome: o.name }).toEqual({
      run: o.runId,
      outcome: runOutcomeFor[taskOf.get(o.runId)?.outcome as keyof typeof runOutcomeFor],
    });
  }
  return { runs: runs.length, ended: ended.length, tasks: tasks.length, emails: mails.length };
}

// ---------------------------------------------------------------------------------------------
// Tasks through both APIs

interface TaskView {
  id: string;
  runId: string;
  accountId: string;
  status: string;
  outcome?: string | null;
}

async function listOpenTasks(api: number): Promise<TaskView[]> {
  const all: TaskView[] = [];
  for (let offset = 0; ; offset += 200) {
    const res = await call(api, 'GET', `/v1/tasks?status=open&limit=200&offset=${offset}`, undefined, {
      token: csmToken,
    });
    if (res.status !== 200) throw new Error(`listing tasks on API ${api}: ${res.status}`);
    const page = res.json as { items: TaskView[]; total: number };
    all.push(...page.items);
    if (page.items.length === 0 || all.length >= page.total) return all;
  }
}

/**
 * Completes every open task of the play through both APIs in turn, sixteen at a time; every
 * seventh is also sent to the other API at the same moment with the same answer (a client that
 * retried on another instance): both answers are 200 and say the same. Returns the task
 * outcomes chosen, by run; the answers' latencies go to `completionMs` for the report.
 */
const completionMs: number[] = [];
const percentile = (values: number[], p: number) =>
  [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))];

async function completeAll(tasks: TaskView[]): Promise<Map<string, string>> {
  const chosen = new Map<string, string>();
  const answers = await inParallel(tasks, 16, async (task, i) => {
    const outcome = i % 3 === 0 ? 'no_answer' : 'reached';
    chosen.set(task.runId, outcome);
    const complete = async (api: number) => {
      const sentAt = Date.now();
      const answer = await call(
        api,
        'POST',
        `/v1/tasks/${task.id}/complete`,
        { outcome },
        { token: csmToken },
      );
      completionMs.push(Date.now() - sentAt);
      return answer;
    };
    const sends = i % 7 === 0 ? [complete(i % 2), complete((i + 1) % 2)] : [complete(i % 2)];
    return (await Promise.all(sends)).map((a) => ({ task: task.id, status: a.status, json: a.json }));
  });
  const bad = answers
    .flat()
    .filter(
      (a) =>
        a.status !== 200 ||
        (a.json as TaskView).status !== 'completed' ||
        (a.json as TaskView).outcome !== chosen.get((a.json as TaskView).runId),
    );
  expect(bad).toEqual([]);
  return chosen;
}

// ---------------------------------------------------------------------------------------------

function report(name: string, facts: object) {
  console.log(`[scale-out] ${name}: ${JSON.stringify(facts)}`);
}

beforeAll(async () => {
  const setupBegan = Date.now();
  // Whether another test file on this Temporal made the Schedule before our workers start.
  scheduleExistedBefore = await it.client.schedule
    .getHandle(renewalScheduleId)
    .describe()
    .then(() => true)
    .catch(() => false);
  const ports = [await freePort(), await freePort()];
  const env = (port: number, logLevel: string) => ({
    TEMPORAL_ADDRESS: it.temporalAddress,
    MONGODB_URI: it.mongodbUri,
    MONGODB_DB: it.dbName,
    SMTP_URL: it.inbox.url,
    TEMPORAL_TASK_QUEUE: it.taskQueue,
    ADMIN_TOKEN: adminToken,
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: logLevel,
  });
  // Workers log at info: their "worker started" line says they are polling (and that the
  // Schedule call returned).
  for (const [i, port] of ports.entries()) {
    apis.push({
      url: `http://127.0.0.1:${port}`,
      proc: launch(`api ${i}`, 'server/main.ts', env(port, 'warn')),
    });
    workers.push(launch(`worker ${i}`, 'worker/main.ts', env(0, 'info')));
  }
  const all = [...apis.map((a) => a.proc), ...workers];
  const died = () => all.filter((p) => p.child.exitCode !== null);
  const status = () =>
    all.map((p) => `${p.name}: exit ${p.child.exitCode}; ${p.output().slice(-2_000)}`).join('\n');
  await until(
    'both APIs ready',
    async () => {
      if (died().length > 0) throw new Error(`a process exited:\n${status()}`);
      const ready = await Promise.all(
        apis.map((a) =>
          fetch(`${a.url}/readyz`).then(
            (r) => r.status === 200,
            () => false,
          ),
        ),
      );
      return ready.every(Boolean);
    },
    120_000,
    status,
  );
  await until(
    'both workers started',
    async () => workers.every((w) => w.output().includes('worker started')),
    180_000,
    status,
  );

  const processesUp = Date.now();
  const csm = await call(0, 'POST', '/v1/users', {
    email: 'sam.scale@retain.test',
    name: 'Sam Scale',
    role: 'csm',
  });
  if (csm.status !== 201) throw new Error(`creating the CSM: ${csm.status} ${JSON.stringify(csm.json)}`);
  ({
    token: csmToken,
    user: { id: csmId },
  } = csm.json as { token: string; user: { id: string } });
  // Published through one API; the other enrols with it too.
  const published = await call(1, 'POST', '/v1/playbooks', playbook, { yaml: true });
  if (published.status >= 300)
    throw new Error(`publishing: ${published.status} ${JSON.stringify(published.json)}`);
  // The accounts, half through each API.
  await inParallel([...crossing, ...calm], 10, async (id, i) => {
    const res = await call(i % 2, 'POST', '/v1/accounts', {
      id,
      name: `Account ${id}`,
      segment: 'low-touch',
      plan: 'growth',
      mrr: 100,
      csm: csmId,
      contacts: [{ email: `${id}@customer.test`, name: 'Pat Primary', role: 'primary' }],
      startedAt: at(24 * 60),
    });
    if (res.status !== 201) throw new Error(`account ${id}: ${res.status} ${JSON.stringify(res.json)}`);
  });
  upAt = Date.now();
  report('set-up seconds', {
    processes: Math.round((processesUp - setupBegan) / 1000),
    accounts: Math.round((upAt - processesUp) / 1000),
  });
}, 300_000);

afterAll(async () => {
  const all = [...apis.map((a) => a.proc), ...workers];
  for (const p of all) p.child.kill('SIGTERM');
  await Promise.race([Promise.all(all.map((p) => p.exited)), sleep(20_000)]);
  for (const p of all) if (p.child.exitCode === null) p.child.kill('SIGKILL');
}, 60_000);

describe('two APIs and two workers on one Temporal and one database', () => {
  const crossings = new Map<string, number>();
  /** Seconds since the processes were up, at each milestone, for the report. */
  const laps: Record<string, number> = {};
  const lap = (name: string) => (laps[name] = Math.round((Date.now() - upAt) / 1000));

  test('health batches through both APIs, some items of one account in both at once: one run per crossing', async () => {
    // A green baseline for every account, four batches to each API at once.
    const baseline = shuffled([...crossing, ...calm]).map((accountId) => ({
      accountId,
      score: 80,
      observedAt: at(60),
    }));
    const first = await sendBatches(chunks(baseline, 8).map((items, i) => [i % 2, items]));
    expect(first.results.filter((r) => r.band !== 'green' || r.previousBand !== 'none')).toEqual([]);
    expect(startsPerAccount(first.results).size).toBe(0);
    lap('baseline');

    // Then red for the crossing accounts and yellow for the calm ones. Every fourth account's
    // item goes to both APIs: half of them the same item twice (a client retrying elsewhere),
    // half a second, later red (or yellow) score. Either way the account crosses once.
    const sides: [HealthItem[], HealthItem[]] = [[], []];
    crossing.forEach((accountId, i) => {
      sides[i % 2].push({ accountId, score: 20 + (i % 15), observedAt: at(50) });
      if (i % 4 === 0)
        sides[(i + 1) % 2].push(
          i % 8 === 0
            ? { accountId, score: 20 + (i % 15), observedAt: at(50) }
            : { accountId, score: 10, observedAt: at(50, 1_000) },
        );
    });
    calm.forEach((accountId, i) => {
      sides[i % 2].push({ accountId, score: 55, observedAt: at(50) });
      if (i % 2 === 0) sides[(i + 1) % 2].push({ accountId, score: 60, observedAt: at(50, 1_000) });
    });
    const second = await sendBatches(
      sides.flatMap((items, api) =>
        chunks(shuffled(items), 4).map((c) => [api, c] as [number, HealthItem[]]),
      ),
    );
    const starts = startsPerAccount(second.results);
    expect(Object.fromEntries([...starts].sort())).toEqual(
      Object.fromEntries(crossing.map((id) => [id, 1] as const).sort()),
    );
    for (const id of crossing) crossings.set(id, 1);
    lap('crossings');

    // 200 runs live together, each with its task open and its email sent, exactly once.
    const live = await countsWhen(
      '200 runs with their tasks and emails',
      (c) => c.running === 200 && c.openTasks === 200 && c.emailsSent === 200 && c.smtpEmails >= 200,
    );
    expect(live).toMatchObject({ runs: 200, running: 200, enrolments: 200, tasks: 200, outcomes: 0 });
    lap('runs live');
    // Temporal agrees: 200 playbook runs open on this task queue at once.
    const query = `TaskQueue = "${it.taskQueue}" AND WorkflowType = "playbookRun" AND ExecutionStatus = "Running"`;
    const open = await until('Temporal to list 200 open runs', async () => {
      const { count } = await it.client.workflow.count(query);
      return count === 200 && count;
    });
    expect(open).toBe(200);
    const checked = await checkRecords(crossings);
    report('ingest', {
      batches: 16,
      items: first.results.length + second.results.length,
      retriedBatches: first.retries + second.retries,
      ...checked,
    });
  }, 900_000);

  test('completions through both APIs while second crossings arrive through both: every run once, each ended once', async () => {
    const [a, b] = await Promise.all([listOpenTasks(0), listOpenTasks(1)]);
    expect(a).toHaveLength(200);
    expect(new Set(b.map((t) => t.id))).toEqual(new Set(a.map((t) => t.id)));
    // The accounts that will cross twice first, so that their runs have ended when they go back
    // to green and into red again.
    const again = new Set(twice);
    await completeAll(shuffled(a.filter((t) => again.has(t.accountId))));
    await until(
      'the first runs of the accounts that cross again to end',
      async () =>
        (await collections(it.db).runs.countDocuments({
          playbookId,
          accountId: { $in: twice },
          status: 'completed',
        })) === twice.length,
      600_000,
      describeCounts,
    );
    lap('first runs of twice-crossing accounts ended');

    // The other 180 completions, and at the same time each of those accounts back to green and
    // into red (both items of an account in one batch, in observedAt order), the batches split
    // over both APIs.
    const byAccount = shuffled(twice).map((accountId) => [
      { accountId, score: 85, observedAt: at(40) },
      { accountId, score: 15, observedAt: at(39) },
    ]);
    const groups = chunks(byAccount, 4).map((g, i) => [i % 2, g.flat()] as [number, HealthItem[]]);
    const [, sent] = await Promise.all([
      completeAll(shuffled(a.filter((t) => !again.has(t.accountId)))),
      sendBatches(groups),
    ]);
    expect(Object.fromEntries([...startsPerAccount(sent.results)].sort())).toEqual(
      Object.fromEntries(twice.map((id) => [id, 1] as const).sort()),
    );
    for (const id of twice) crossings.set(id, 2);
    lap('completed, second crossings sent');

    await countsWhen(
      'the first runs ended and the second ones with their tasks and emails',
      (c) =>
        c.completed === crossing.length &&
        c.openTasks === twice.length &&
        c.emailsSent === allRuns &&
        c.smtpEmails >= allRuns,
    );
    lap('first runs ended, second runs live');
    const second = await listOpenTasks(1);
    expect(new Set(second.map((t) => t.accountId))).toEqual(again);
    await completeAll(second);
    const done = await countsWhen(
      'every run ended',
      (c) => c.completed === allRuns && c.outcomes === allRuns,
    );
    expect(done).toMatchObject({
      runs: allRuns,
      running: 0,
      completed: allRuns,
      enrolments: allRuns,
      tasks: allRuns,
      openTasks: 0,
      outcomes: allRuns,
    });
    lap('every run ended');
    const checked = await checkRecords(crossings);
    report('completions and second crossings', {
      ...checked,
      completionRequests: completionMs.length,
      completionMsP50: percentile(completionMs, 50),
      completionMsMax: percentile(completionMs, 100),
    });
  }, 900_000);

  test('both APIs answer the same KPIs', async () => {
    // NPS answers through both APIs: each API's in-memory KPI view must see the other's too.
    await inParallel(crossing.slice(0, 20), 10, async (accountId, i) => {
      const res = await call(i % 2, 'POST', '/v1/nps', { accountId, score: i % 11, respondedAt: at(30) });
      expect(res.status).toBe(201);
    });
    const paths = [
      `/v1/kpis?${kpiPeriod}`,
      `/v1/kpis/playbooks?${kpiPeriod}`,
      `/v1/kpis/operations?${kpiPeriod}`,
    ];
    let last: unknown;
    const [kpis, playbooks, operations] = await until(
      'both APIs to report the same KPIs with every NPS answer',
      async () => {
        const answers = await Promise.all(
          paths.map(async (path) => Promise.all([call(0, 'GET', path), call(1, 'GET', path)])),
        );
        last = answers.map((pair) => pair.map((a) => a.json));
        if (answers.some((pair) => pair.some((a) => a.status !== 200))) return false;
        if (answers.some(([x, y]) => JSON.stringify(x.json) !== JSON.stringify(y.json))) return false;
        const report = answers[0][0].json as { total: { nps: { responses: number } } };
        return report.total.nps.responses === 20 && answers.map(([x]) => x.json);
      },
      60_000,
      () => JSON.stringify(last),
    );
    expect(kpis).toMatchObject({
      total: { accounts: { new: crossing.length + calm.length }, nps: { responses: 20 } },
    });
    expect(playbooks).toMatchObject({
      playbooks: expect.arrayContaining([
        expect.objectContaining({ playbookId, runs: allRuns, finished: allRuns }),
      ]),
    });
    expect(operations).toMatchObject({
      healthBands: { green: 0, yellow: calm.length, red: crossing.length },
      tasks: [{ assignee: expect.any(String), open: 0, completed: allRuns }],
    });
  }, 120_000);

  test('the renewal Schedule that both workers make sure of exists once', async () => {
    const listed = await until('the Schedule to be listed', async () => {
      const ids: string[] = [];
      for await (const s of it.client.schedule.list()) ids.push(s.scheduleId);
      return ids.includes(renewalScheduleId) && ids;
    });
    expect(listed.filter((id) => id === renewalScheduleId)).toHaveLength(1);
    const described = await it.client.schedule.getHandle(renewalScheduleId).describe();
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: renewalScanType });
    // Made by one of our workers unless another file on this Temporal made it first.
    if (!scheduleExistedBefore) expect(described.action).toMatchObject({ taskQueue: it.taskQueue });
    // Neither worker failed making sure of it, and both are still up.
    expect(workers.map((w) => w.child.exitCode)).toEqual([null, null]);
    expect(apis.map((a) => a.proc.child.exitCode)).toEqual([null, null]);
    lap('end');
    report('seconds since the processes were up', laps);
  }, 120_000);
});
