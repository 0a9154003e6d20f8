/**
 * What every benchmark scenario shares: its figures (each with the baseline measured in the
 * same run and the ratio), percentiles, the API and worker started as child processes on the
 * bench's stack, and small helpers. Nothing here asserts a figure: scenarios report them.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient, type Db } from 'mongodb';
import { freePort } from '../lib/free-port.js';
import type { Stack } from '../lib/stack.js';
import { spawnServer, type ServerProcess } from '../lib/stack-process.js';

export const root = fileURLToPath(new URL('..', import.meta.url));

export interface Figure {
  scenario: string;
  name: string;
  value: number;
  unit: string;
  /** The same work done the plainest way, measured in the same run on the same servers. */
  baseline?: { name: string; value: number };
  /** value ÷ baseline. */
  ratio?: number;
  note?: string;
}

export interface ScenarioContext {
  stack: Stack;
  quick: boolean;
  log: (line: string) => void;
}

export interface Scenario {
  name: string;
  describe: string;
  run(ctx: ScenarioContext): Promise<Figure[]>;
}

export function figure(
  scenario: string,
  name: string,
  value: number,
  unit: string,
  baseline?: { name: string; value: number },
  note?: string,
): Figure {
  const ratio = baseline && baseline.value > 0 ? value / baseline.value : undefined;
  return {
    scenario,
    name,
    value,
    unit,
    ...(baseline ? { baseline } : {}),
    ...(ratio !== undefined ? { ratio } : {}),
    ...(note ? { note } : {}),
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end)
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inPool<T>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i], i);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Resident set size of a process, from /proc (Linux), in MiB. */
export async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
  return kb / 1024;
}

/** A database of its own for a scenario, dropped by close(). */
export async function scenarioDb(
  stack: Stack,
  name: string,
): Promise<{ db: Db; dbName: string; close(): Promise<void> }> {
  const client = await new MongoClient(stack.mongodbUri).connect();
  const dbName = `bench_${name}_${Date.now().toString(36)}`;
  const db = client.db(dbName);
  return {
    db,
    dbName,
    async close() {
      await db.dropDatabase().catch(() => {});
      await client.close();
    },
  };
}

/** The API and/or the worker as child processes, as `npm start` runs them, on a scenario's database and task queue. */
export class Processes {
  readonly token = `rt_admin_bench_${Date.now().toString(36)}`;
  api?: ServerProcess;
  worker?: ServerProcess;
  apiUrl = '';

  constructor(
    private readonly stack: Stack,
    private readonly dbName: string,
    readonly taskQueue: string,
  ) {}

  private async env(): Promise<NodeJS.ProcessEnv> {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: this.stack.temporalAddress,
      MONGODB_URI: this.stack.mongodbUri,
      MONGODB_DB: this.dbName,
      SMTP_URL: this.stack.smtpUrl,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      ADMIN_TOKEN: this.token,
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
    };
  }

  async startApi(): Promise<void> {
    const port = await freePort();
    this.apiUrl = `http://127.0.0.1:${port}`;
    this.api = spawnServer('API', process.execPath, ['--import', 'tsx', join(root, 'server/main.ts')], {
      env: { ...(await this.env()), PORT: String(port) },
      cwd: root,
    });
    await until(
      'the API',
      async () => (await fetch(`${this.apiUrl}/healthz`).catch(() => undefined))?.status === 200,
      120_000,
    );
  }

  /** Starts the worker and resolves once it polls (its "worker started" line). */
  async startWorker(): Promise<void> {
    this.worker = spawnServer('worker', process.execPath, ['--import', 'tsx', join(root, 'worker/main.ts')], {
      env: { ...(await this.env()), LOG_LEVEL: 'info' },
      cwd: root,
    });
    const worker = this.worker;
    await until('the worker', async () => worker.recentOutput().includes('worker started'), 180_000, 200);
  }

  /** node:http rather than fetch: a big batch on a slow database may take longer than fetch's 300 s header timeout. */
  call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; json: T }> {
    const isText = typeof body === 'string';
    const payload = body === undefined ? undefined : isText ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.apiUrl}${path}`,
        {
          method,
          headers: {
            authorization: `Bearer ${this.token}`,
            ...(payload !== undefined
              ? { 'content-type': isText ? 'application/yaml' : 'application/json' }
              : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            let json: unknown = null;
            try {
              json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              // not JSON: left null
            }
            resolve({ status: res.statusCode ?? 0, json: json as T });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  async expect<T = unknown>(
    status: number,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T> {
    const res = await this.call<T>(method, path, body, headers);
    if (res.status !== status)
      throw new Error(
        `${method} ${path}: expected ${status}, got ${res.status} ${JSON.stringify(res.json).slice(0, 400)}`,
      );
    return res.json;
  }

  async stop(): Promise<void> {
    await Promise.all([this.api?.stop(), this.worker?.stop()]);
  }
}
