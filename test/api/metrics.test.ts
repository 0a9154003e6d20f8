/**
 * GET /metrics: admins only, Prometheus text, and counts that follow what a request did on
 * the wire. The app gets a metered MongoDB client and Temporal connection built as
 * server/main.ts builds them (connectMongo, temporalInterceptors).
 */
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError, loadConfig } from '../../lib/config.js';
import { metrics, serveMetrics, totalsBy, temporalInterceptors } from '../../lib/metrics.js';
import { connectMongo, type Mongo } from '../../lib/mongo.js';
import { uniqueName } from '../harness/names.js';
import { useApiStack } from './helpers.js';

let mongo: Mongo | undefined;
let connection: Connection | undefined;
let temporal: Client | undefined;

// Before useApiStack's own hooks, which build the app with these.
beforeAll(async () => {
  mongo = await connectMongo(inject('mongodbUri'), uniqueName('t', 'api_metrics_metered', 38));
  connection = await Connection.connect({
    address: inject('temporalAddress'),
    interceptors: temporalInterceptors(),
  });
  temporal = new Client({ connection });
});
afterAll(async () => {
  await connection?.close();
  await mongo?.db.dropDatabase().catch(() => {});
  await mongo?.close();
});

const api = useApiStack('metrics', {
  deps: {
    get db() {
      return mongo!.db;
    },
    get temporal() {
      return temporal!;
    },
  },
});

/**
 * The counters as /metrics would show them now. Fastify counts an answer in its onResponse
 * hook, which runs when the response has finished: a turn of the event loop after inject's.
 */
async function counts() {
  await new Promise((resolve) => setImmediate(resolve));
  // Copied: prom-client's values are its live series objects.
  const http = (await metrics.httpRequests.get()).values.map((v) => ({ ...v.labels, value: v.value }));
  return {
    mongo: await totalsBy(metrics.mongoCommands, 'command'),
    temporal: await totalsBy(metrics.temporalCalls, 'method'),
    http: (route: string, status: string) =>
      http.find((v) => v.route === route && v.status === status)?.value ?? 0,
  };
}

const sum = (totals: Record<string, number>) => Object.values(totals).reduce((a, b) => a + b, 0);
const delta = (after: Record<string, number>, before: Record<string, number>) =>
  Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, after[k] - (before[k] ?? 0)] as const)
      .filter(([, n]) => n !== 0),
  );

describe('GET /metrics', () => {
  beforeAll(async () => {
    await api.publish(api.playbookYaml('metrics-manual', 'manual'));
    const res = await api.call('POST', '/v1/accounts', { body: api.accountBody({ id: 'metrics-1' }) });
    expect(res.statusCode).toBe(201);
  });

  it('requires an admin token: 401 without one, 403 for a CSM', async () => {
    const none = await api.call('GET', '/metrics', { token: null });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('unauthenticated');
    expect((await api.call('GET', '/metrics', { token: 'rt_not_a_token' })).statusCode).toBe(401);
    const csm = await api.call('GET', '/metrics', { token: api.tokens.csm });
    expect(csm.statusCode).toBe(403);
    expect(csm.json().error.code).toBe('forbidden');
    expect((await api.call('GET', '/metrics', { token: api.tokens.integration })).statusCode).toBe(403);
  });

  it('answers Prometheus text with the route, MongoDB and Temporal metrics, to ADMIN_TOKEN and an admin user', async () => {
    expect((await api.call('GET', '/v1/accounts/metrics-1')).statusCode).toBe(200);
    expect((await api.call('GET', '/v1/accounts/no-such-account')).statusCode).toBe(404);
    expect(
      (await api.call('POST', '/v1/playbooks/metrics-manual/runs', { body: { accountId: 'metrics-1' } }))
        .statusCode,
    ).toBe(201);

    for (const token of [api.adminToken, api.tokens.admin]) {
      const res = await api.call('GET', '/metrics', { token });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = res.body;
      expect(text).toContain('# TYPE retain_http_requests_total counter');
      // The route pattern, never the raw URL.
      expect(text).toMatch(
        /retain_http_requests_total\{method="GET",route="\/v1\/accounts\/:id",status="200"\} \d+/,
      );
      expect(text).toMatch(
        /retain_http_requests_total\{method="GET",route="\/v1\/accounts\/:id",status="404"\} \d+/,
      );
      expect(text).not.toContain('metrics-1"');
      expect(text).toMatch(
        /retain_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/v1\/accounts\/:id",status="200"\} \d+/,
      );
      expect(text).toMatch(/retain_mongodb_commands_total\{command="find",outcome="succeeded"\} \d+/);
      expect(text).toMatch(/retain_mongodb_commands_total\{command="insert",outcome="succeeded"\} \d+/);
      expect(text).toMatch(/retain_temporal_calls_total\{method="StartWorkflowExecution",code="OK"\} 1\b/);
      expect(text).toContain('process_resident_memory_bytes');
    }
  });

  it('counts a request once, by its route, with the MongoDB commands it sent', async () => {
    const before = await counts();
    // ADMIN_TOKEN needs no token lookup: the route's one findOne is all this request sends.
    expect((await api.call('GET', '/v1/accounts/metrics-1')).statusCode).toBe(200);
    const after = await counts();
    expect(after.http('/v1/accounts/:id', '200') - before.http('/v1/accounts/:id', '200')).toBe(1);
    expect(delta(after.mongo, before.mongo)).toEqual({ find: 1 });
    expect(delta(after.temporal, before.temporal)).toEqual({});
  });

  it('counts the Temporal start of a manual enrolment on the wire', async () => {
    const created = await api.call('POST', '/v1/accounts', { body: api.accountBody({ id: 'metrics-2' }) });
    expect(created.statusCode).toBe(201);
    const before = await counts();
    const res = await api.call('POST', '/v1/playbooks/metrics-manual/runs', {
      body: { accountId: 'metrics-2' },
    });
    expect(res.statusCode).toBe(201);
    const after = await counts();
    const temporalCalls = delta(after.temporal, before.temporal);
    expect(temporalCalls.StartWorkflowExecution).toBe(1);
    expect(after.http('/v1/playbooks/:id/runs', '201') - before.http('/v1/playbooks/:id/runs', '201')).toBe(
      1,
    );
    // The enrolment read and wrote the database: each command is counted by its name.
    const mongoCommands = delta(after.mongo, before.mongo);
    expect(mongoCommands.find).toBeGreaterThan(0);
    expect(mongoCommands.insert).toBeGreaterThan(0);
    expect(sum(mongoCommands)).toBe(sum(after.mongo) - sum(before.mongo));
  });

  it('counts an unrouted request as unmatched, not by its URL', async () => {
    const before = await counts();
    expect((await api.call('GET', '/no/such/path/42')).statusCode).toBe(404);
    const after = await counts();
    expect(after.http('unmatched', '404') - before.http('unmatched', '404')).toBe(1);
  });
});

describe("the worker's /metrics listener (serveMetrics)", () => {
  const env = {
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    MONGODB_URI: 'mongodb://127.0.0.1:27017',
    SMTP_URL: 'smtp://127.0.0.1:2525',
  };

  it('is off by default, and WORKER_METRICS_PORT is refused without an ADMIN_TOKEN to protect it', () => {
    expect(loadConfig(env).workerMetricsPort).toBeUndefined();
    expect(loadConfig({ ...env, WORKER_METRICS_PORT: '9464', ADMIN_TOKEN: 'rt_x' }).workerMetricsPort).toBe(
      9464,
    );
    expect(() => loadConfig({ ...env, WORKER_METRICS_PORT: '9464' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, WORKER_METRICS_PORT: '9464' })).toThrow(
      /WORKER_METRICS_PORT needs ADMIN_TOKEN/,
    );
    expect(() => loadConfig({ ...env, WORKER_METRICS_PORT: 'x', ADMIN_TOKEN: 'rt_x' })).toThrow(
      /WORKER_METRICS_PORT must be a whole number/,
    );
  });

  it('answers the registry to the ADMIN_TOKEN bearer only, and nothing but GET /metrics', async () => {
    const server = await serveMetrics({ port: 0, host: '127.0.0.1', adminToken: 'rt_worker_metrics' });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      expect((await fetch(`${url}/metrics`)).status).toBe(401);
      const wrong = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer rt_other' } });
      expect(wrong.status).toBe(401);
      const other = await fetch(`${url}/other`, { headers: { authorization: 'Bearer rt_worker_metrics' } });
      expect(other.status).toBe(404);
      const res = await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer rt_worker_metrics' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toContain('# TYPE retain_mongodb_commands_total counter');
      expect(text).toContain('process_cpu_seconds_total');
    } finally {
      await server.close();
    }
  });
});
