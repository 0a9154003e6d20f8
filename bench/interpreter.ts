/**
 * Scenario 2, interpreter overhead: concurrent runs of the shipped onboarding playbook against
 * the same journey written by hand as a TypeScript workflow
 * (bench/workflows/handwritten-onboarding.ts), both on the same worker, Temporal dev server,
 * database and SMTP. Waits are shortened by the runs' timeScale (a day lasts seconds). Reports
 * wall time, workflow tasks, history events and activities per run, and the ratios.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import nodemailer from 'nodemailer';
import { FileTemplateCatalog } from '../catalog/template-files.js';
import { createEngine } from '../engine/index.js';
import { validatePlaybook } from '../language/validate.js';
import type { Playbook } from '../language/schema.js';
import { dayMs } from '../language/durations.js';
import { loadConfig } from '../lib/config.js';
import { collections } from '../lib/collections.js';
import { newAccountDoc, type AccountDoc } from '../lib/documents.js';
import { createWorkerActivities } from '../worker/activities.js';
import type { RunInput } from '../workflows/contract.js';
import { playbookRun } from '../workflows/playbook-run.js';
import { handwrittenOnboarding } from './workflows/handwritten-onboarding.js';
import { figure, root, scenarioDb, type Figure, type Scenario } from './support.js';

const EventType = proto.temporal.api.enums.v1.EventType;

function onboardingPlaybook(): Playbook {
  const templates = new FileTemplateCatalog(join(root, 'playbooks/templates'));
  const { playbook, diagnostics } = validatePlaybook(
    readFileSync(join(root, 'playbooks/onboarding.yaml'), 'utf8'),
    { file: 'onboarding.yaml', templates },
  );
  if (!playbook) throw new Error(`onboarding.yaml does not validate: ${JSON.stringify(diagnostics)}`);
  return playbook;
}

/** A tech-touch account with a primary and an admin contact, as the bench's runs need. */
export function benchAccount(id: string): AccountDoc {
  const now = new Date();
  return newAccountDoc(
    {
      id,
      name: `Account ${id}`,
      segment: 'tech-touch',
      plan: 'starter',
      mrr: 49,
      csm: '',
      contacts: [
        { email: `${id}@customer.test`, name: 'Pat Primary', role: 'primary' },
        { email: `${id}-ops@customer.test`, name: 'Ola Ops', role: 'admin' },
      ],
      startedAt: now,
    },
    now,
  );
}

interface Variant {
  label: string;
  /** The workflow's type name. */
  workflow: string;
  wallMs: number;
  workflowTasks: number;
  historyEvents: number;
  activities: number;
  outcomes: Record<string, number>;
}

export const interpreter: Scenario = {
  name: 'interpreter',
  describe: 'onboarding playbook runs vs the same journey hand-written, in compressed time',
  async run({ stack, quick, log }): Promise<Figure[]> {
    const runs = quick ? 50 : 1_000;
    const { db, dbName, close } = await scenarioDb(stack, 'interpreter');
    // A day of the journey lasts this long; the 30-day goal window must outlast the steps.
    const journeyDayMs = quick ? 5_000 : 20_000;
    const timeScale = dayMs / journeyDayMs;
    const nativeConnection = await NativeConnection.connect({ address: stack.temporalAddress });
    const connection = await Connection.connect({ address: stack.temporalAddress });
    const client = new Client({ connection });
    const mailer = nodemailer.createTransport(stack.smtpUrl!);
    try {
      const playbook = onboardingPlaybook();
      const config = loadConfig({
        TEMPORAL_ADDRESS: '127.0.0.1:1',
        MONGODB_URI: stack.mongodbUri,
        MONGODB_DB: dbName,
        SMTP_URL: stack.smtpUrl,
      });
      const taskQueue = `bench-interpreter-${Date.now().toString(36)}`;
      const worker = await Worker.create({
        connection: nativeConnection,
        taskQueue,
        workflowBundle: await bundleWorkflowCode({
          workflowsPath: join(root, 'bench/workflows/index.ts'),
          logger: quietBundler,
        }),
        activities: createWorkerActivities({
          config,
          db,
          mailer,
          engine: createEngine({ db, temporal: client, taskQueue }),
        }),
      });

      const variant = async (
        label: string,
        workflow: typeof playbookRun | typeof handwrittenOnboarding,
      ): Promise<Variant> => {
        const ids = Array.from({ length: runs }, (_, i) => `${label}-${i}`);
        for (let i = 0; i < ids.length; i += 1000)
          await collections(db).accounts.insertMany(ids.slice(i, i + 1000).map(benchAccount));
        const began = Date.now();
        const handles = await Promise.all(
          ids.map((accountId) => {
            const input: RunInput = {
              accountId,
              playbookId: 'onboarding',
              playbookVersion: 1,
              playbook,
              control: false,
              trigger: { on: 'manual', at: new Date().toISOString(), seen: {} },
              timeScale,
            };
            return client.workflow.start(workflow, {
              taskQueue,
              workflowId: `bench:${label}:${accountId}`,
              args: [input],
            });
          }),
        );
        const results = await Promise.all(handles.map((h) => h.result()));
        const wallMs = Date.now() - began;
        const emails = await collections(db).emails.countDocuments({
          accountId: { $regex: `^${label}-` },
          status: 'sent',
        });
        const outcomes: Record<string, number> = { emails };
        for (const r of results) outcomes[r.outcome ?? 'none'] = (outcomes[r.outcome ?? 'none'] ?? 0) + 1;
        // Every run takes the same path (nobody activates), so a sample tells the per-run counts.
        const sample = await Promise.all(handles.slice(0, 20).map((h) => h.fetchHistory()));
        const count = (type: number) =>
          median(sample.map((h) => (h.events ?? []).filter((e) => e.eventType === type).length));
        const v: Variant = {
          label,
          workflow: workflow.name,
          wallMs,
          workflowTasks: count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
          historyEvents: median(sample.map((h) => (h.events ?? []).length)),
          activities: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
          outcomes,
        };
        log(
          `interpreter: ${label}: ${runs} runs in ${(wallMs / 1000).toFixed(1)} s; per run ${v.workflowTasks} workflow tasks, ${v.historyEvents} history events, ${v.activities} activities; outcomes ${JSON.stringify(outcomes)}`,
        );
        return v;
      };

      const [hand, engine] = await worker.runUntil(async () => {
        // The baseline first, so any warm-up favours the engine's figures.
        const hand = await variant('hand', handwrittenOnboarding);
        const engine = await variant('playbook', playbookRun);
        return [hand, engine];
      });
      // Both must have done the same work; a run whose window closed before its last email did less.
      const sameWork = engine.outcomes.emails === hand.outcomes.emails;
      const note = `${runs} concurrent runs each; outcomes and emails sent ${JSON.stringify(engine.outcomes)} vs hand-written ${JSON.stringify(hand.outcomes)}${sameWork ? '' : ' — NOT the same work: runs were cut short by the goal window; lengthen the day'}`;
      return [
        figure(
          'interpreter',
          `wall time, ${runs} onboarding runs (30 days, a day = ${journeyDayMs / 1000} s)`,
          engine.wallMs,
          'ms',
          { name: 'hand-written workflow', value: hand.wallMs },
          note,
        ),
        figure('interpreter', 'workflow tasks per run', engine.workflowTasks, '', {
          name: 'hand-written workflow',
          value: hand.workflowTasks,
        }),
        figure('interpreter', 'history events per run', engine.historyEvents, '', {
          name: 'hand-written workflow',
          value: hand.historyEvents,
        }),
        figure('interpreter', 'activities per run', engine.activities, '', {
          name: 'hand-written workflow',
          value: hand.activities,
        }),
      ];
    } finally {
      mailer.close();
      await nativeConnection.close();
      await connection.close();
      await close();
    }
  },
};

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)];
}

const quietBundler = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: (m: string) => console.error(m),
};
