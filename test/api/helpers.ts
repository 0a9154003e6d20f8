/**
 * The API against the run's real servers (test/harness: Temporal dev server, a MongoDB-protocol
 * database, a per-file database and task queue), optionally with a worker running the real
 * playbook workflow. `useApiStack()` builds the app, creates an admin, two CSMs and an
 * integration through the API itself, and drives it with `app.inject()` (no port opened).
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse as LightResponse } from 'fastify';
import type { Db } from 'mongodb';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { createEngine } from '../../engine/index.js';
import { ensureIndexes } from '../../lib/collections.js';
import { loadConfig, type Config } from '../../lib/config.js';
import { buildApp, type ApiDeps } from '../../server/app.js';
import { useIntegration } from '../harness/index.js';

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
}

export interface ApiStackOptions {
  /** Run a worker with the real playbook workflow and activities (runs tests). */
  worker?: boolean;
  deps?: Partial<ApiDeps>;
}

let accountSeq = 0;

const playbookYaml: ApiStack['playbookYaml'] = (id, on, when) =>
  [
    `id: ${id}`,
    `name: Test playbook ${id}`,
    'trigger:',
    `  on: ${on}`,
    ...(when ? [`  when: '${when}'`] : []),
    'steps:',
    '  - id: pause',
    '    wait: 30d',
    '',
  ].join('\n');

async function eventually<T>(check: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * Documents in every collection of the database, named by listing them rather than by a list
 * written in a test, so a collection a request could write is never left out.
 */
export async function documentCounts(db: Db): Promise<Record<string, number>> {
  const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  return Object.fromEntries(
    await Promise.all(names.sort().map(async (c) => [c, await db.collection(c).countDocuments()] as const)),
  );
}

/**
 * Call at the top of a test file (or describe block): registers the hooks that build the app
 * before the tests and close it after. Properties are usable in tests and later hooks.
 */
export function useApiStack(label: string, options: ApiStackOptions = {}): ApiStack {
  const it = useIntegration(`api_${label}`, { smtp: Boolean(options.worker) });
  let state: Omit<ApiStack, 'call' | 'accountBody' | 'playbookYaml' | 'publish' | 'eventually'> | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;

  const get = () => {
    if (!state)
      throw new Error('useApiStack: the app is built in beforeAll; use it inside tests or later hooks');
    return state;
  };

  const call: ApiStack['call'] = (method, url, opts = {}) => {
    const { app, adminToken } = get();
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
    return app.inject({
      method,
      url,
      headers: { ...headers, ...opts.headers },
      ...(payload !== undefined ? { payload } : {}),
    });
  };

  beforeAll(async () => {
    const adminToken = `rt_admin_${randomUUID()}`;
    const config = loadConfig({
      TEMPORAL_ADDRESS: it.temporalAddress,
      MONGODB_URI: it.mongodbUri,
      MONGODB_DB: it.dbName,
      SMTP_URL: options.worker ? it.inbox.url : 'smtp://127.0.0.1:2525',
      TEMPORAL_TASK_QUEUE: it.taskQueue,
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
    });
    if (options.worker) {
      // Imported here so files without a worker do not load the activities and their deps.
      const { createWorkerActivities } = await import('../../worker/activities.js');
      worker = await it.createWorker({
        workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)),
        activities: createWorkerActivities({
          config,
          db: it.db,
          mailer: it.mailer,
          engine: createEngine({
            db: it.db,
            temporal: it.client,
            taskQueue: config.taskQueue,
            thresholds: config.healthThresholds,
          }),
        }),
      });
      running = worker.run();
    }
    // As server/main.ts does before it builds the app.
    await ensureIndexes(it.db);
    const app = await buildApp(
      { config, db: it.db, temporal: it.client, ...options.deps },
      { logger: false },
    );
    state = {
      app,
      db: it.db,
      config,
      adminToken,
      tokens: { admin: adminToken, csm: '', otherCsm: '', integration: '' },
      users: {} as ApiStack['users'],
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
    state.tokens = {
      admin: admin.token,
      csm: csm.token,
      otherCsm: otherCsm.token,
      integration: integration.token,
    };
    state.users = { csm: csm.user, otherCsm: otherCsm.user, integration: integration.user };
  });

  afterAll(async () => {
    await state?.app.close();
    if (worker) {
      worker.shutdown();
      await running;
    }
  });

  return {
    get app() {
      return get().app;
    },
    get db() {
      return get().db;
    },
    get config() {
      return get().config;
    },
    get adminToken() {
      return get().adminToken;
    },
    get tokens() {
      return get().tokens;
    },
    get users() {
      return get().users;
    },
    call,
    accountBody: (over = {}) => ({
      id: `acct-${++accountSeq}`,
      name: 'Acme Logistics',
      segment: 'high-touch',
      plan: 'enterprise',
      mrr: 1000,
      csm: get().users.csm.email,
      contacts: [
        { email: 'dana@acme.example', name: 'Dana Whitfield', role: 'primary', timezone: 'Europe/Berlin' },
      ],
      startedAt: '2025-01-15T00:00:00Z',
      renewalAt: '2026-01-15T00:00:00Z',
      attributes: { seats: 10 },
      ...over,
    }),
    playbookYaml,
    publish: async (yaml) => {
      const res = await call('POST', '/v1/playbooks', { yaml });
      if (res.statusCode >= 300) throw new Error(`publishing: ${res.statusCode} ${res.body}`);
    },
    eventually,
  };
}
