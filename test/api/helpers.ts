/**
 * The API against real servers: Temporal (dev server), a MongoDB-protocol database and SMTP
 * capture, a per-file database and task queue, optionally a worker running the real playbook
 * workflow. `apiStack()` builds the app, creates an admin, two CSMs and an integration through
 * the API itself, and drives it with `app.inject()` (no port opened).
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse as LightResponse } from 'fastify';
import { MongoClient, type Db } from 'mongodb';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import { loadConfig, type Config } from '../../lib/config.js';
import { startStack, type Stack } from '../../lib/stack.js';
import { buildApp, type AppDeps } from '../../server/app.js';

export interface ApiUser {
  id: string;
  email: string;
}

export interface CallOptions {
  /** Bearer token; admin's by default, null for none. */
  token?: string | null;
  body?: unknown;
  /** A YAML body (Content-Type: application/yaml). */
  yaml?: string;
  /** A raw body, with the content type given in headers. */
  raw?: string;
  headers?: Record<string, string>;
}

export interface ApiStack {
  app: FastifyInstance;
  db: Db;
  config: Config;
  adminToken: string;
  tokens: { admin: string; csm: string; otherCsm: string; integration: string };
  users: { csm: ApiUser; otherCsm: ApiUser; integration: ApiUser };
  call(method: InjectOptions['method'], url: string, options?: CallOptions): Promise<LightResponse>;
  /** A valid POST /v1/accounts body owned by the first CSM; `over` replaces fields. */
  accountBody(over?: Record<string, unknown>): Record<string, unknown>;
  /** A minimal valid playbook that waits a month (no emails, no tasks). */
  playbookYaml(id: string, on: 'manual' | 'account.created' | 'health.changed', when?: string): string;
  /** Publishes YAML and fails the test unless it went live. */
  publish(yaml: string): Promise<void>;
  /** Retries an assertion until it passes (runs progress asynchronously in the worker). */
  eventually<T>(check: () => Promise<T>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export interface ApiStackOptions {
  /** Run a worker with the real playbook workflow and activities (runs tests). */
  worker?: boolean;
  deps?: Partial<AppDeps>;
}

let accountSeq = 0;

export async function apiStack(options: ApiStackOptions = {}): Promise<ApiStack> {
  const stack: Stack = await startStack({ env: { ...process.env } });
  const closers: Array<() => Promise<unknown>> = [() => stack.stop()];
  const close = async () => {
    for (const closeOne of closers.reverse()) await closeOne().catch(() => {});
  };
  try {
    const adminToken = `rt_admin_${randomUUID()}`;
    const suffix = randomUUID().slice(0, 8);
    const config = loadConfig({
      TEMPORAL_ADDRESS: stack.temporalAddress,
      MONGODB_URI: stack.mongodbUri,
      MONGODB_DB: `api_${suffix}`,
      SMTP_URL: stack.smtpUrl ?? 'smtp://127.0.0.1:2525',
      TEMPORAL_TASK_QUEUE: `api-${suffix}`,
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
    });
    const mongo = new MongoClient(config.mongodbUri);
    await mongo.connect();
    closers.push(() => mongo.close());
    const db = mongo.db(config.mongodbDb);
    const connection = await Connection.connect({ address: config.temporalAddress });
    closers.push(() => connection.close());
    const temporal = new Client({ connection, namespace: config.temporalNamespace });

    if (options.worker) {
      // Imported here so files without a worker do not load the activities and their deps.
      const { createWorkerActivities } = await import('../../worker/activities.js');
      const workerConnection = await NativeConnection.connect({ address: config.temporalAddress });
      const mailer = nodemailer.createTransport(config.smtpUrl);
      const worker = await Worker.create({
        connection: workerConnection,
        taskQueue: config.taskQueue,
        workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
        activities: createWorkerActivities({ config, db, mailer }),
      });
      const running = worker.run();
      closers.push(async () => {
        worker.shutdown();
        await running;
        await workerConnection.close();
        mailer.close();
      });
    }

    const app = await buildApp({ config, db, temporal, ...options.deps }, { logger: false });
    closers.push(() => app.close());

    const call: ApiStack['call'] = (method, url, opts = {}) => {
      const token = opts.token === undefined ? adminToken : opts.token;
      const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}) };
      let payload: string | undefined;
      if (opts.yaml !== undefined) {
        headers['content-type'] = 'application/yaml';
        payload = opts.yaml;
      } else if (opts.raw !== undefined) {
        payload = opts.raw;
      } else if (opts.body !== undefined) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(opts.body);
      }
      return app.inject({ method, url, headers: { ...headers, ...opts.headers }, ...(payload !== undefined ? { payload } : {}) });
    };

    const createUser = async (email: string, name: string, role: string) => {
      const res = await call('POST', '/v1/users', { body: { email, name, role } });
      if (res.statusCode !== 201) throw new Error(`creating ${email}: ${res.statusCode} ${res.body}`);
      const { user, token } = res.json() as { user: ApiUser; token: string };
      return { user: { id: user.id, email: user.email }, token };
    };
    const admin = await createUser('ops@retain.test', 'Olivia Ops', 'admin');
    const csm = await createUser('casey@retain.test', 'Casey CSM', 'csm');
    const otherCsm = await createUser('drew@retain.test', 'Drew CSM', 'csm');
    const integration = await createUser('crm@retain.test', 'CRM sync', 'integration');

    const api: ApiStack = {
      app,
      db,
      config,
      adminToken,
      tokens: { admin: admin.token, csm: csm.token, otherCsm: otherCsm.token, integration: integration.token },
      users: { csm: csm.user, otherCsm: otherCsm.user, integration: integration.user },
      call,
      accountBody: (over = {}) => ({
        id: `acct-${++accountSeq}`,
        name: 'Acme Logistics',
        segment: 'high-touch',
        plan: 'enterprise',
        mrr: 1000,
        csm: csm.user.email,
        contacts: [{ email: 'dana@acme.example', name: 'Dana Whitfield', role: 'primary', timezone: 'Europe/Berlin' }],
        startedAt: '2025-01-15T00:00:00Z',
        renewalAt: '2026-01-15T00:00:00Z',
        attributes: { seats: 10 },
        ...over,
      }),
      playbookYaml: (id, on, when) =>
        [`id: ${id}`, `name: Test playbook ${id}`, 'trigger:', `  on: ${on}`, ...(when ? [`  when: '${when}'`] : []), 'steps:', '  - id: pause', '    wait: 30d', ''].join('\n'),
      publish: async (yaml) => {
        const res = await call('POST', '/v1/playbooks', { yaml });
        if (res.statusCode >= 300) throw new Error(`publishing: ${res.statusCode} ${res.body}`);
      },
      eventually: async (check, timeoutMs = 20_000) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          try {
            return await check();
          } catch (err) {
            if (Date.now() > deadline) throw err;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      },
      close,
    };
    return api;
  } catch (err) {
    await close();
    throw err;
  }
}
