/**
 * Simulation: the real playbook-run workflow and the real activities, in Temporal's
 * time-skipping test server, against a throw-away database and a local SMTP capture (and a
 * local webhook endpoint), so a 90-day playbook plays out in seconds and nothing reaches a
 * customer. Health timeline points are delivered exactly as the engine delivers ingested
 * health: the account's health is swapped in the database and live runs get `healthChanged`.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import nodemailer, { type Transporter } from 'nodemailer';
import { WorkflowNotFoundError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, makeTelemetryFilterString, Runtime, Worker } from '@temporalio/worker';
import { collections } from '../../lib/collections.js';
import type { AccountDoc } from '../../lib/documents.js';
import type { Playbook } from '../../language/schema.js';
import { startSmtpCapture, type CapturedMail } from '../../lib/smtp-capture.js';
import {
  auditQuery,
  healthChanged,
  runWorkflowId,
  type AuditEntry,
  type RunInput,
  type RunResult,
} from '../../workflows/contract.js';
import { playbookRun } from '../../workflows/playbook-run.js';
import { defaultThresholds, healthBand, type HealthThresholds } from '../../language/health-band.js';
import { swapHealth } from '../health-ingest.js';
import { startLocalMongo } from './local-mongo.js';
import { healthAtEnrolment, type HealthPoint } from './health-timeline.js';
import { toTimeline, type TimelineEntry } from './timeline.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface SimulationInput {
  playbook: Playbook;
  account: AccountDoc;
  healthTimeline?: HealthPoint[];
  templatesDir: string;
  thresholds?: HealthThresholds;
}

export interface SimulationResult {
  timeline: TimelineEntry[];
  result: RunResult;
  /** What reached the local SMTP capture: subject and recipients. */
  mails: Array<{ subject: string; to: string[] }>;
  /** Bodies posted to the local webhook endpoint (notify: webhook). */
  webhooks: unknown[];
}

/** The activity factory of activities/index.ts, loaded at run time (see createActivities). */
type ActivitiesFactory = (deps: {
  db: Db;
  mailer: Transporter;
  config: {
    mailFrom: string;
    publicUrl: string;
    unsubscribeSecret: string;
    templatesDir: string;
    webhookUrl: string | undefined;
  };
}) => object;

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

function timeSkippingServer() {
  const path = join(root, '.tools/py/bin/temporal-test-server');
  // Without the project's binary the SDK downloads one (works on a machine with internet).
  return existsSync(path) ? { executable: { type: 'existing-path' as const, path } } : {};
}

export async function simulatePlaybook(input: SimulationInput): Promise<SimulationResult> {
  const thresholds = input.thresholds ?? defaultThresholds;
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    // Core logs go through the JS logger at ERROR only, so `--json` stdout stays pure JSON.
    Runtime.install({
      logger: new DefaultLogger('ERROR', (entry) =>
        process.stderr.write(`${entry.level} ${entry.message}\n`),
      ),
      telemetryOptions: {
        logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }), forward: {} },
      },
    });
    const mongoServer = await startLocalMongo();
    cleanups.unshift(() => mongoServer.stop());
    const mongo = await new MongoClient(mongoServer.uri).connect();
    const db = mongo.db(`simulation_${randomUUID().slice(0, 8)}`);
    cleanups.unshift(async () => {
      await db.dropDatabase().catch(() => undefined);
      await mongo.close();
    });
    const smtp = await startSmtpCapture();
    cleanups.unshift(() => smtp.stop());
    const webhook = await startWebhookCapture();
    cleanups.unshift(() => webhook.stop());
    const env = await TestWorkflowEnvironment.createTimeSkipping({ server: timeSkippingServer() });
    cleanups.unshift(() => env.teardown());

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

    const activitiesModule = '../../activities/index.js';
    const { createActivities } = (await import(activitiesModule)) as { createActivities: ActivitiesFactory };
    const mailer = nodemailer.createTransport(smtp.url);
    cleanups.unshift(async () => mailer.close());
    const taskQueue = `simulation-${randomUUID().slice(0, 8)}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: join(root, 'workflows/index.ts'),
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
    await worker.runUntil(async () => {
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
    return {
      timeline: toTimeline(audit, enrolledAt),
      result,
      mails: smtp.messages.map((m: CapturedMail) => ({ subject: m.subject, to: m.envelopeTo })),
      webhooks: webhook.bodies,
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}
