/**
 * The two processes as an operator runs them: configuration refused with every problem named,
 * readiness that tells the truth, and a clean exit on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig, loadHealthThresholds } from '../lib/config.js';
import { defaultThresholds } from '../language/health-band.js';
import { freePort } from '../lib/free-port.js';
import { buildApp } from '../server/app.js';
import { useIntegration } from './harness/index.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const it = useIntegration('processes', { smtp: true });

function launch(
  script: string,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('configuration', () => {
  test('names every missing or malformed variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', MONGODB_URI: 'http://db', HEALTH_GREEN: '30', HEALTH_RED: '60' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('PORT must be a whole number');
    expect(problems).toContain('TEMPORAL_ADDRESS is missing');
    expect(problems).toContain('MONGODB_URI must be a mongodb: or mongodb+srv: URL');
    expect(problems).toContain('SMTP_URL is missing');
  });

  test('HEALTH_GREEN and HEALTH_RED make one thresholds value, read with the same checks by the CLI', () => {
    const servers = {
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      MONGODB_URI: 'mongodb://db',
      SMTP_URL: 'smtp://mail',
    };
    expect(loadConfig(servers).healthThresholds).toEqual(defaultThresholds);
    expect(loadConfig({ ...servers, HEALTH_GREEN: '80', HEALTH_RED: '30' }).healthThresholds).toEqual({
      green: 80,
      red: 30,
    });
    expect(loadHealthThresholds({})).toEqual(defaultThresholds);
    expect(loadHealthThresholds({ HEALTH_GREEN: '80', HEALTH_RED: '30' })).toEqual({ green: 80, red: 30 });
    expect(() => loadHealthThresholds({ HEALTH_GREEN: '30', HEALTH_RED: '60' })).toThrow(
      /HEALTH_RED must be lower than HEALTH_GREEN/,
    );
    expect(() => loadHealthThresholds({ HEALTH_GREEN: 'high' })).toThrow(
      /HEALTH_GREEN must be a whole number from 1 to 100/,
    );
  });

  test('the API process refuses to start and says why', async () => {
    const api = launch('server/main.ts', { PORT: '3000' });
    expect(await api.exited).toBe(2);
    expect(api.output()).toMatch(/TEMPORAL_ADDRESS is missing/);
  });
});

describe('readiness and shutdown', () => {
  test('/readyz is 503 while Temporal does not answer, 200 when both answer', async () => {
    const config = loadConfig({
      TEMPORAL_ADDRESS: it.temporalAddress,
      MONGODB_URI: it.mongodbUri,
      SMTP_URL: it.inbox.url,
    });
    const deadConnection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const down = await buildApp(
      { config, db: it.db, temporal: new Client({ connection: deadConnection }) },
      { logger: false },
    );
    const res = await down.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'not_ready', checks: { mongodb: true, temporal: false } });
    await down.close();
    await deadConnection.close().catch(() => {});
    const up = await buildApp({ config, db: it.db, temporal: it.client }, { logger: false });
    expect((await up.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect((await up.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    await up.close();
  });

  test('the API and the worker start on real servers and exit 0 on SIGTERM', async () => {
    const port = await freePort();
    const env = {
      TEMPORAL_ADDRESS: it.temporalAddress,
      MONGODB_URI: it.mongodbUri,
      MONGODB_DB: it.dbName,
      SMTP_URL: it.inbox.url,
      PORT: String(port),
      TEMPORAL_TASK_QUEUE: it.taskQueue,
      LOG_LEVEL: 'info',
    };
    const api = launch('server/main.ts', env);
    const worker = launch('worker/main.ts', env);
    try {
      await until(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/readyz`)
            .then((r) => r.status)
            .catch(() => 0)) === 200,
      );
      await until(() => worker.output().includes('worker started'));
      api.child.kill('SIGTERM');
      worker.child.kill('SIGTERM');
      expect(await api.exited).toBe(0);
      expect(await worker.exited).toBe(0);
      expect(api.output()).toContain('shutting down');
    } finally {
      api.child.kill('SIGKILL');
      worker.child.kill('SIGKILL');
    }
  });
});
