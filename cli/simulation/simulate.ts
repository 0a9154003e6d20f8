/**
 * Simulation: the real playbook-run workflow and the real activities, in Temporal's
 * time-skipping test server, against a throw-away database and a local SMTP capture (and a
 * local webhook endpoint), so a 90-day playbook plays out in seconds and nothing reaches a
 * customer. Health timeline points are delivered exactly as the engine delivers ingested
 * health: the account's health is swapped in the database and live runs get `healthChanged`.
 *
 * Everything it starts is stopped before it returns or throws, and at once when `signal`
 * aborts (Ctrl-C, SIGTERM): the command then exits instead of waiting on a server or the
 * Temporal runtime.
 */
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import nodemailer from 'nodemailer';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  IllegalStateError,
  makeTelemetryFilterString,
  Runtime,
  Worker,
} from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { collections } from '../../lib/collections.js';
import type { AccountDoc } from '../../lib/documents.js';
import type { Playbook } from '../../language/schema.js';
import { startSmtpCapture, type CapturedMail } from '../../lib/smtp-capture.js';
import { startMongo } from '../../lib/stack-mongo.js';
import { createTimeSkippingEnvironment } from '../../lib/stack-time-skipping.js';
import {
  auditQuery,
  healthChanged,
  runWorkflowId,
  type AuditEntry,
  type RunInput,
  type RunResult,
} from '../../workflows/contract.js';
import { playbookRun } from '../../workflows/playbook-run.js';
import { healthBand, type HealthThresholds } from '../../language/health-band.js';
import { swapHealth } from '../../engine/health-succession.js';
import { healthAtEnrolment, type HealthPoint } from './health-timeline.js';
import { toTimeline, type TimelineEntry } from './timeline.js';

const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export interface SimulationInput {
  playbook: Playbook;
  account: AccountDoc;
  healthTimeline?: HealthPoint[];
  templatesDir: string;
  /** The health bands' thresholds (the CLI reads HEALTH_GREEN / HEALTH_RED). */
  thresholds: HealthThresholds;
}

export interface SimulationResult {
  timeline: TimelineEntry[];
  result: RunResult;
  /** What reached the local SMTP capture: subject and recipients. */
  mails: Array<{ subject: string; to: string[] }>;
  /** Bodies posted to the local webhook endpoint (notify: webhook). */
  webhooks: unknown[];
}

/**
 * What a simulation has started, stopped last-first exactly once: when it ends, or as soon as
 * `signal` aborts. A start that completes after the abort is stopped at once, and the
 * simulation stops with the abort's reason.
 */
class Started {
  private readonly stops: Array<() => Promise<unknown>> = [];
  private releasing: Promise<void> = Promise.resolve();
  private readonly onAbort = () => void this.release();

  constructor(private readonly signal: AbortSignal | undefined) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Keeps `stop` for the end; throws (after stopping everything) if the simulation was aborted meanwhile. */
  async add(stop: () => Promise<unknown>): Promise<void> {
    this.stops.push(stop);
    if (this.signal?.aborted) {
      await this.release();
      this.signal.throwIfAborted();
    }
  }

  release(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.releasing = this.releasing.then(async () => {
      for (let stop = this.stops.pop(); stop; stop = this.stops.pop()) await stop().catch(() => undefined);
    });
    return this.releasing;
  }
}

/** `work`, or its abort's reason as soon as `signal` aborts (the work itself goes on). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** Temporal's logs at ERROR only, on stderr, so `--json` stdout stays pure JSON. */
const logger = new DefaultLogger('ERROR', (entry) =>
  process.stderr.write(`${entry.level} ${entry.message}\n`),
);

/**
 * The Temporal runtime, leaving SIGINT/SIGTERM to the command (by default it takes them over
 * to stop workers, and a process with nothing to stop then ignores them). It shuts itself down
 * once the test server and the worker are gone, but an installed runtime that never had either
 * keeps the process alive, so it is installed only when they are about to start.
 */
function installRuntime() {
  try {
    Runtime.install({
      logger,
      telemetryOptions: {
        logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }), forward: {} },
      },
      shutdownSignals: [],
    });
  } catch (err) {
    // Already installed in this process (a test file that started a worker before): keep it.
    if (!(err instanceof IllegalStateError)) throw err;
  }
}

async function startWebhookCapture(): Promise<{ url: string; bodies: unknown[]; stop: () => Promise<void> }> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      try {
        bodies.push(JSON.parse(text));
      } catch {
        bodies.push(text);
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}/hook`,
    bodies,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

export async function simulatePlaybook(
  input: SimulationInput,
  options: { signal?: AbortSignal } = {},
): Promise<SimulationResult> {
  const { thresholds } = input;
  const started = new Started(options.signal);
  try {
    // Bundled before anything starts: the one long step (seconds) that cannot be interrupted
    // then holds nothing to stop, and a stop does not wait for it.
    const workflowBundle = await untilAborted(bundleWorkflowCode({ workflowsPath, logger }), options.signal);
    const mongoServer = await startMongo();
    await started.add(() => mongoServer.stop());
    const mongo = new MongoClient(mongoServer.uri);
    await started.add(() => mongo.close());
    await mongo.connect();
    const db = mongo.db(`simulation_${randomUUID().slice(0, 8)}`);
    await started.add(() => db.dropDatabase());
    const smtp = await startSmtpCapture();
    await started.add(() => smtp.stop());
    const webhook = await startWebhookCapture();
    await started.add(() => webhook.stop());
    installRuntime();
    const env = await createTimeSkippingEnvironment();
    await started.add(() => env.teardown());

    const now = new Date(await env.currentTimeMs());
    const first = input.healthTimeline?.find((p) => p.atMs === 0);
    const { health, previous } = healthAtEnrolment(
      input.playbook,
      input.account,
      thresholds,
      first?.score,
      now,
    );
    const account = {
      ...input.account,
      health: { ...health, band: healthBand(health.score, thresholds), observedAt: now, key: 'simulation-0' },
      updatedAt: now,
    };
    const { accounts, playbooks, playbookVersions } = collections(db);
    await accounts.insertOne(account);
    await playbookVersions.insertOne({
      _id: `${input.playbook.id}@1`,
      playbookId: input.playbook.id,
      version: 1,
      hash: 'simulation',
      source: '',
      definition: input.playbook,
      createdAt: now,
    });
    await playbooks.insertOne({
      _id: input.playbook.id,
      name: input.playbook.name,
      latestVersion: 1,
      retired: false,
    });

    const mailer = nodemailer.createTransport(smtp.url);
    await started.add(async () => mailer.close());
    const taskQueue = `simulation-${randomUUID().slice(0, 8)}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle,
      activities: createActivities({
        db,
        mailer,
        config: {
          mailFrom: 'Customer Success <success@retain.simulation>',
          publicUrl: 'http://retain.simulation',
          unsubscribeSecret: 'simulation',
          templatesDir: input.templatesDir,
          webhookUrl: webhook.url,
        },
      }),
    });

    const runInput: RunInput = {
      accountId: account._id,
      playbookId: input.playbook.id,
      playbookVersion: 1,
      playbook: input.playbook,
      control: false,
      trigger: {
        on: input.playbook.trigger.on,
        at: now.toISOString(),
        seen: { health, previous, simulated: true },
        sourceKey: 'simulation',
      },
    };
    let audit: AuditEntry[] = [];
    let result!: RunResult;
    let enrolledAt = now;
    const running = worker.runUntil(async () => {
      const handle = await env.client.workflow.start(playbookRun, {
        taskQueue,
        workflowId: runWorkflowId(input.playbook.id, account._id),
        args: [runInput],
      });
      enrolledAt = (await handle.describe()).startTime;
      let previousHealth = health;
      for (const [i, point] of (input.healthTimeline ?? []).entries()) {
        if (point.atMs === 0) continue;
        const elapsed = (await env.currentTimeMs()) - enrolledAt.getTime();
        if (point.atMs > elapsed) await env.sleep(point.atMs - elapsed);
        const observedAt = new Date(await env.currentTimeMs());
        const next = { score: point.score, band: healthBand(point.score, thresholds) };
        await swapHealth(db, account._id, { ...next, observedAt, key: `simulation-${i}` }, observedAt);
        try {
          await handle.signal(healthChanged, {
            health: next,
            previous: previousHealth,
            observedAt: observedAt.toISOString(),
          });
        } catch (err) {
          if (err instanceof WorkflowNotFoundError) break; // the run already ended
          throw err;
        }
        previousHealth = next;
      }
      result = (await handle.result()) as RunResult;
      audit = await handle.query(auditQuery);
    });
    // Stopped first, and drained while the test server still answers.
    await started.add(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    });
    await running;
    options.signal?.throwIfAborted();
    return {
      timeline: toTimeline(audit, enrolledAt),
      result,
      mails: smtp.messages.map((m: CapturedMail) => ({ subject: m.subject, to: m.envelopeTo })),
      webhooks: webhook.bodies,
    };
  } catch (err) {
    // Whatever failed because the simulation was being stopped, the stop is the reason.
    options.signal?.throwIfAborted();
    throw err;
  } finally {
    await started.release();
  }
}
