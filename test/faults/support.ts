/**
 * A whole Retain installation as separate processes a test can kill and restart: Temporal dev
 * server (SQLite file, so it survives a restart), FerretDB (on a PostgreSQL cluster that stays
 * up, or on SQLite files; see faultsBackend), an SMTP capture, the API (server/main.ts) and the
 * worker (worker/main.ts). Every server keeps its port across restarts, so the others
 * reconnect as they would in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import { createWriteStream, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { MongoClient, type Db } from 'mongodb';
import { freePort } from '../../lib/free-port.js';
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from '../../lib/smtp-capture.js';
import {
  fasterFerretdbBackend,
  ferretdbArgs,
  ferretdbPath,
  type FerretdbBackend,
} from '../../lib/stack-mongo.js';
import { spawnServer, type ServerProcess } from '../../lib/stack-process.js';
import { temporalCliPath } from '../../lib/stack-temporal.js';
import { searchAttributeDevServerArgs } from '../../lib/search-attributes.js';
import { startPostgres, type Postgres } from '../../lib/stack-postgres.js';
import { collections } from '../../lib/collections.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/**
 * FerretDB's storage: FAULTS_FERRETDB_BACKEND, else PostgreSQL where its server binaries are
 * installed (the benchmarks' storage; a restart is then FerretDB's, PostgreSQL stays up), else
 * SQLite files.
 */
export function faultsBackend(): FerretdbBackend {
  const chosen = process.env.FAULTS_FERRETDB_BACKEND;
  return chosen === 'sqlite' || chosen === 'postgresql' ? chosen : fasterFerretdbBackend();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

export class FaultStack {
  readonly token = `rt_admin_fault_${Date.now()}`;
  readonly mails: CapturedMail[] = [];
  private dir = '';
  private ports = { temporal: 0, mongo: 0, smtp: 0, api: 0 };
  private temporal?: ServerProcess;
  private mongo?: ServerProcess;
  private postgres?: Postgres & { dir: string };
  private smtp?: SmtpCapture;
  private api?: ChildProcess;
  private worker?: ChildProcess;
  private workerLog = '';
  private client?: MongoClient;
  db!: Db;

  get apiUrl() {
    return `http://127.0.0.1:${this.ports.api}`;
  }

  private env(): Record<string, string> {
    return {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TEMPORAL_ADDRESS: `127.0.0.1:${this.ports.temporal}`,
      MONGODB_URI: `mongodb://127.0.0.1:${this.ports.mongo}/`,
      MONGODB_DB: 'faults',
      SMTP_URL: `smtp://127.0.0.1:${this.ports.smtp}`,
      PORT: String(this.ports.api),
      TEMPORAL_TASK_QUEUE: 'faults',
      ADMIN_TOKEN: this.token,
      LOG_LEVEL: 'warn',
    };
  }

  async start(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), 'retain-faults-'));
    this.ports = {
      temporal: await freePort(),
      mongo: await freePort(),
      smtp: await freePort(),
      api: await freePort(),
    };
    if (faultsBackend() === 'postgresql') {
      // Its own temporary directory: as root the cluster runs as `postgres`, which cannot enter ours (0700).
      const dir = await mkdtemp(join(tmpdir(), 'retain-faults-pg-'));
      this.postgres = { ...(await startPostgres(dir)), dir };
    }
    await Promise.all([this.startTemporal(), this.startMongo(), this.startSmtp()]);
    this.client = await new MongoClient(this.env().MONGODB_URI, {
      serverSelectionTimeoutMS: 60_000,
    }).connect();
    this.db = this.client.db('faults');
    await Promise.all([this.startApi(), this.startWorker()]);
  }

  async stop(): Promise<void> {
    this.api?.kill('SIGKILL');
    this.worker?.kill('SIGKILL');
    await this.client?.close().catch(() => {});
    await this.smtp?.stop().catch(() => {});
    await this.mongo?.stop();
    await this.postgres?.stop();
    await this.temporal?.stop();
    await rm(this.dir, { recursive: true, force: true });
    if (this.postgres) await rm(this.postgres.dir, { recursive: true, force: true });
  }

  async startTemporal(): Promise<void> {
    const args = [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(this.ports.temporal),
      '--headless',
      '--log-level',
      'error',
      '--db-filename',
      join(this.dir, 'temporal.db'),
      ...searchAttributeDevServerArgs(),
    ];
    this.temporal = spawnServer('Temporal dev server', temporalCliPath, args);
    await until(
      'Temporal',
      async () => {
        const connection = await Connection.connect({
          address: this.env().TEMPORAL_ADDRESS,
          connectTimeout: 1_000,
        });
        try {
          await connection.workflowService.describeNamespace({ namespace: 'default' });
          return true;
        } finally {
          await connection.close();
        }
      },
      60_000,
    );
  }

  async stopTemporal(): Promise<void> {
    await this.temporal?.stop();
  }

  async startMongo(): Promise<void> {
    const data = join(this.dir, 'ferretdb');
    this.mongo = spawnServer(
      'FerretDB',
      ferretdbPath,
      ferretdbArgs(data, this.ports.mongo, 'error', this.postgres?.url),
    );
    await until(
      'FerretDB',
      async () => {
        const c = await new MongoClient(this.env().MONGODB_URI, {
          serverSelectionTimeoutMS: 1_000,
        }).connect();
        await c.db('admin').command({ ping: 1 });
        await c.close();
        return true;
      },
      60_000,
    );
  }

  async stopMongo(): Promise<void> {
    await this.mongo?.stop();
  }

  async startSmtp(): Promise<void> {
    this.smtp = await startSmtpCapture({ port: this.ports.smtp });
    const smtp = this.smtp;
    const seen = new Set<CapturedMail>();
    // Messages are copied into `mails`, which outlives each SMTP server instance.
    const collect = () => {
      for (const m of smtp.messages) {
        if (seen.has(m)) continue;
        seen.add(m);
        this.mails.push(m);
      }
    };
    const copy = setInterval(collect, 100);
    const stop = smtp.stop.bind(smtp);
    smtp.stop = async () => {
      clearInterval(copy);
      collect();
      await stop();
    };
  }

  async stopSmtp(): Promise<void> {
    await this.smtp?.stop();
  }

  private launch(script: string): ChildProcess {
    // The worker logs at info so that its "worker started" line tells when it is ready.
    const env: Record<string, string> = {
      ...this.env(),
      LOG_LEVEL: script.includes('worker') ? 'info' : 'warn',
    };
    // FAULTS_MONGO_LOG_DIR=<dir>: each process's output, with the MongoDB driver's connection
    // and topology log (which the driver writes to stderr), goes to a file there.
    const mongoLogDir = process.env.FAULTS_MONGO_LOG_DIR;
    if (mongoLogDir)
      Object.assign(env, {
        MONGODB_LOG_CONNECTION: 'debug',
        MONGODB_LOG_TOPOLOGY: 'debug',
        MONGODB_LOG_PATH: 'stderr',
      });
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d) => script.includes('worker') && (this.workerLog += d));
    child.stderr?.on('data', (d) => script.includes('worker') && (this.workerLog += d));
    if (mongoLogDir) {
      mkdirSync(mongoLogDir, { recursive: true });
      const file = createWriteStream(join(mongoLogDir, `${script.replace(/\W+/g, '-')}-${Date.now()}.log`));
      child.stdout?.pipe(file, { end: false });
      child.stderr?.pipe(file, { end: false });
    }
    return child;
  }

  async startApi(): Promise<void> {
    this.api = this.launch('server/main.ts');
    await until('the API', async () => (await fetch(`${this.apiUrl}/healthz`)).status === 200, 60_000);
  }

  killApi(): void {
    this.api?.kill('SIGKILL');
  }

  async startWorker(): Promise<void> {
    this.workerLog = '';
    this.worker = this.launch('worker/main.ts');
    await until('the worker', async () => this.workerLog.includes('worker started'), 90_000);
  }

  /** When the worker was killed: a send SMTP accepted just before cannot have been recorded. */
  readonly workerKills: Date[] = [];

  async killWorker(): Promise<void> {
    const worker = this.worker;
    if (!worker || worker.exitCode !== null) return;
    this.workerKills.push(new Date());
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGKILL');
    await exited;
  }

  /** For a failure message: the runs of `playbookId` not completed, and what Temporal says of them. */
  async unfinishedRuns(playbookId: string): Promise<string> {
    const open = await collections(this.db)
      .runs.find({ playbookId, status: { $ne: 'completed' } })
      .toArray();
    const connection = await Connection.connect({ address: this.env().TEMPORAL_ADDRESS });
    try {
      const client = new Client({ connection });
      const lines = await Promise.all(
        open.slice(0, 5).map(async (run) => {
          const d = await client.workflow
            .getHandle(run.workflowId)
            .describe()
            .catch((err: Error) => ({
              status: { name: `describe failed: ${err.message}` },
              raw: { pendingActivities: [] },
            }));
          const pending = (d.raw.pendingActivities ?? []).map(
            (a) => `${a.activityType?.name} attempt ${a.attempt} (${a.lastFailure?.message ?? 'no failure'})`,
          );
          return `${run._id}: ${run.status} in MongoDB, ${d.status.name} in Temporal; pending: ${pending.join(', ') || 'none'}`;
        }),
      );
      return `${open.length} runs not completed in MongoDB${lines.length ? `: ${lines.join(' | ')}` : ''}`;
    } finally {
      await connection.close();
    }
  }

  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${this.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, json: await res.json().catch(() => null) };
  }

  async publish(yaml: string): Promise<void> {
    const res = await fetch(`${this.apiUrl}/v1/playbooks`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/yaml' },
      body: yaml,
    });
    if (res.status !== 201 && res.status !== 200)
      throw new Error(`publish: ${res.status} ${await res.text()}`);
  }

  /** Accounts through the API, each with one primary contact, owned by one CSM. */
  async accounts(prefix: string, count: number): Promise<string[]> {
    const csm = await this.call('POST', '/v1/users', {
      email: `${prefix}-csm@retain.test`,
      name: 'Fault CSM',
      role: 'csm',
    });
    if (csm.status !== 201) throw new Error(`CSM for ${prefix}: ${csm.status} ${JSON.stringify(csm.json)}`);
    const csmId = (csm.json as { user: { id: string } }).user.id;
    const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
    for (let i = 0; i < ids.length; i += 10) {
      await Promise.all(
        ids.slice(i, i + 10).map(async (id) => {
          const res = await this.call('POST', '/v1/accounts', {
            id,
            name: `Account ${id}`,
            segment: 'low-touch',
            plan: 'growth',
            mrr: 100,
            csm: csmId,
            contacts: [{ email: `${id}@customer.test`, name: 'Pat Primary', role: 'primary' }],
            startedAt: new Date().toISOString(),
          });
          if (res.status !== 201) throw new Error(`account ${id}: ${res.status} ${JSON.stringify(res.json)}`);
        }),
      );
    }
    return ids;
  }
}

/** A playbook whose every step has a visible effect: a task, two emails and an outcome. */
export const drill = (id: string) => `id: ${id}
name: Fault drill ${id}
trigger: { on: manual }
steps:
  - id: call
    task: { title: "Call {{account.name}}", due: 2d }
  - id: welcome
    email: { template: kickoff-welcome, to: primary }
  - outcome: drill_done
  - id: tips
    email: { template: low-usage-tips, to: primary }
`;

export interface Invariants {
  runs: number;
  finished: number;
  stuck: number;
  tasks: number;
  /** Accounts and steps with more than one task. */
  duplicateTasks: number;
  emails: number;
  /** Recipients and steps that SMTP received more than one email for. */
  duplicateEmails: number;
  /**
   * Of those, the ones whose first copy SMTP accepted within `sendRecordWindowMs` of a worker
   * kill (counted apart, not in duplicateEmails): SMTP took the message and the worker died
   * before it heard so (the kill landed during the message's transfer; the capture stamps a
   * message when it has it, before it answers) or before it could record it, so the retry sent
   * it again. No sender can close that window (SMTP has no idempotent send); the email activity
   * keeps it to the transfer and one insert.
   */
  duplicateEmailsAtKill: number;
  /** Each doubled recipient and step: its copies and how far its first copy lay from the nearest worker kill. */
  emailDoubles: Array<{ key: string; copies: number; nearestKillMs: number | null }>;
  missingEmails: number;
  outcomes: number;
}

/**
 * Checks the invariants of every run of `playbookId`: one task, two emails, one outcome each.
 * A double is counted by what doubling would repeat, never by an id that cannot repeat (a
 * task's `_id` is made of run and step): tasks per account and step over all the playbook's tasks,
 * whatever run wrote them (a second run of an account, a retry that wrote under another id),
 * and emails per recipient and step as SMTP received them (a resent message, a second run's).
 * Each drill account is enrolled once and has one recipient, so every such count is 1.
 */
/** How far from a worker kill SMTP's acceptance of a message may lie for the kill to explain its resend. */
export const sendRecordWindowMs = 2_000;

export async function invariants(stack: FaultStack, playbookId: string): Promise<Invariants> {
  const runs = await collections(stack.db).runs.find({ playbookId }).toArray();
  const ids = new Set(runs.map((r) => r._id));
  const tasks = await collections(stack.db).tasks.find({ playbookId }).toArray();
  const outcomes = await collections(stack.db).outcomes.find({ playbookId }).toArray();
  const count = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  const sent = new Set<string>();
  const perRecipientStep = new Map<string, number>();
  const firstAccepted = new Map<string, Date>();
  for (const m of stack.mails) {
    const run = m.header('x-retain-run');
    if (!run || !ids.has(run)) continue;
    const step = m.header('x-retain-step');
    sent.add(`${run}|${step}`);
    for (const to of m.envelopeTo) {
      const key = `${to.toLowerCase()}|${step}`;
      count(perRecipientStep, key);
      const first = firstAccepted.get(key);
      if (!first || m.receivedAt < first) firstAccepted.set(key, m.receivedAt);
    }
  }
  const atKill = (key: string) => {
    const accepted = firstAccepted.get(key)!.getTime();
    return stack.workerKills.some((k) => Math.abs(k.getTime() - accepted) <= sendRecordWindowMs);
  };
  const doubledEmails = [...perRecipientStep.entries()].filter(([, n]) => n > 1).map(([key]) => key);
  const perAccountStep = new Map<string, number>();
  for (const t of tasks) count(perAccountStep, `${t.accountId}|${t.stepId}`);
  const doubled = (counts: Map<string, number>) => [...counts.values()].filter((n) => n > 1).length;
  return {
    runs: runs.length,
    finished: runs.filter((r) => r.status === 'completed').length,
    stuck: runs.filter((r) => r.status === 'running').length,
    tasks: tasks.length,
    duplicateTasks: doubled(perAccountStep),
    emails: [...perRecipientStep.values()].reduce((a, b) => a + b, 0),
    duplicateEmails: doubledEmails.filter((key) => !atKill(key)).length,
    duplicateEmailsAtKill: doubledEmails.filter(atKill).length,
    emailDoubles: doubledEmails.map((key) => {
      const accepted = firstAccepted.get(key)!.getTime();
      const distances = stack.workerKills.map((k) => k.getTime() - accepted);
      const nearest = distances.sort((a, b) => Math.abs(a) - Math.abs(b))[0];
      return { key, copies: perRecipientStep.get(key)!, nearestKillMs: nearest ?? null };
    }),
    missingEmails: runs.length * 2 - sent.size,
    outcomes: outcomes.filter((o) => ids.has(o.runId)).length,
  };
}

/**
 * A FerretDB of a test's own (SQLite files in a temporary folder), on a port it keeps across
 * restarts, for tests that stop the database under a client.
 */
export function useStandaloneFerretdb(prefix: string): {
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
} {
  let dir = '';
  let port = 0;
  let server: ServerProcess | undefined;
  const url = () => `mongodb://127.0.0.1:${port}/`;
  const start = async () => {
    server = spawnServer('FerretDB', ferretdbPath, ferretdbArgs(dir, port, 'error'));
    await until(
      'FerretDB',
      async () => {
        const c = await new MongoClient(url(), { serverSelectionTimeoutMS: 1_000 }).connect();
        await c.db('admin').command({ ping: 1 });
        await c.close();
        return true;
      },
      60_000,
    );
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    port = await freePort();
    await start();
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get url() {
      return url();
    },
    start,
    stop: async () => {
      await server?.stop();
    },
  };
}
