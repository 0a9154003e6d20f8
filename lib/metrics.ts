/**
 * Prometheus metrics, one registry per process, served at `/metrics` by the API
 * (server/routes/metrics.ts) and the worker (`serveMetrics`, on WORKER_METRICS_PORT). Every
 * count is taken where the work leaves the process: HTTP requests as Fastify answers them,
 * MongoDB commands from the driver's command monitoring, Temporal calls from a gRPC interceptor
 * on the client's connection, so a figure here is what went over the wire (a retried gRPC call
 * counts once per attempt). The bench's `counts` scenario reads the same counters.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InterceptingCall, status as grpcStatus, type Interceptor } from '@grpc/grpc-js';
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { MongoClient, MongoClientOptions } from 'mongodb';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EnrolmentStatus } from './documents.js';

export const registry = new Registry();
// Process CPU, memory, event-loop lag, GC: what an operator looks at first.
collectDefaultMetrics({ register: registry });

const registers = [registry];

export const metrics = {
  httpRequests: new Counter({
    name: 'retain_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  }),
  httpDuration: new Histogram({
    name: 'retain_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  }),
  mongoCommands: new Counter({
    name: 'retain_mongodb_commands_total',
    help: 'MongoDB commands sent, by command name and outcome (succeeded, failed)',
    labelNames: ['command', 'outcome'] as const,
    registers,
  }),
  mongoDuration: new Histogram({
    name: 'retain_mongodb_command_duration_seconds',
    help: 'Round trip of a MongoDB command, by command name',
    labelNames: ['command'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers,
  }),
  temporalCalls: new Counter({
    name: 'retain_temporal_calls_total',
    help: 'Temporal gRPC calls sent by this process, by method (StartWorkflowExecution, SignalWorkflowExecution, …) and gRPC status code; each retry attempt counts',
    labelNames: ['method', 'code'] as const,
    registers,
  }),
  temporalDuration: new Histogram({
    name: 'retain_temporal_call_duration_seconds',
    help: 'Round trip of a Temporal gRPC call, by method',
    labelNames: ['method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers,
  }),
  /** Health observations of POST /v1/health and /v1/accounts/:id/health: `recorded` or `failed`. */
  healthItems: new Counter({
    name: 'retain_health_items_total',
    help: 'Health observations ingested, by result (recorded, failed)',
    labelNames: ['result'] as const,
    registers,
  }),
  /** Account events ingested: `recorded` or `failed`. */
  events: new Counter({
    name: 'retain_account_events_total',
    help: 'Account events ingested, by result (recorded, failed)',
    labelNames: ['result'] as const,
    registers,
  }),
  /** One per enrolment decision, by its EnrolmentStatus (started, already_running, cooldown, …). */
  enrolments: new Counter<'status'>({
    name: 'retain_enrolments_total',
    help: 'Enrolment decisions, by status (started, already_running, cooldown, not_eligible, …)',
    labelNames: ['status'] as const,
    registers,
  }),
};

/** For the engine: count enrolment results as they are decided. */
export function countEnrolments(results: ReadonlyArray<{ status: EnrolmentStatus }>): void {
  for (const r of results) metrics.enrolments.inc({ status: r.status });
}

/** The MongoClient options command monitoring needs; pass them to every client `meterMongo` watches. */
export const mongoMonitoring: Pick<MongoClientOptions, 'monitorCommands'> = { monitorCommands: true };

/** Counts the commands of a client created with `mongoMonitoring` (the listeners survive its reconnects). */
export function meterMongo(client: MongoClient): void {
  const done = (outcome: 'succeeded' | 'failed') => (e: { commandName: string; duration: number }) => {
    metrics.mongoCommands.inc({ command: e.commandName, outcome });
    metrics.mongoDuration.observe({ command: e.commandName }, e.duration / 1000);
  };
  client.on('commandSucceeded', done('succeeded'));
  client.on('commandFailed', done('failed'));
}

/** Counts every gRPC call on the wire: placed after the retry interceptor, it sees each attempt. */
const countTemporalCalls: Interceptor = (options, nextCall) => {
  const method = options.method_definition.path.split('/').pop() || 'unknown';
  const began = performance.now();
  return new InterceptingCall(nextCall(options), {
    start(metadata, _listener, next) {
      next(metadata, {
        onReceiveStatus(status, nextStatus) {
          metrics.temporalCalls.inc({ method, code: grpcStatus[status.code] ?? String(status.code) });
          metrics.temporalDuration.observe({ method }, (performance.now() - began) / 1000);
          nextStatus(status);
        },
      });
    },
  });
};

/**
 * The `interceptors` of a metered `Connection.connect`: the SDK's default retries (which a
 * given list replaces), then the count.
 */
export const temporalInterceptors = (): Interceptor[] => [
  makeGrpcRetryInterceptor(defaultGrpcRetryOptions()),
  countTemporalCalls,
];

/** A counter's values summed by one label, e.g. MongoDB commands by `command`. */
export async function totalsBy(counter: Counter<string>, label: string): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const { labels, value } of (await counter.get()).values) {
    const key = String(labels[label] ?? '');
    totals[key] = (totals[key] ?? 0) + value;
  }
  return totals;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** True when `header` is `Bearer <token>` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

/**
 * The worker's `/metrics`: a bare HTTP listener (the worker has no Fastify), answering only
 * `GET /metrics` with `Authorization: Bearer <ADMIN_TOKEN>`.
 */
export async function serveMetrics(options: {
  port: number;
  host: string;
  adminToken: string;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (!bearerMatches(req.headers.authorization, options.adminToken)) {
      res
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
        .end('send the admin token as "Authorization: Bearer <token>"\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
