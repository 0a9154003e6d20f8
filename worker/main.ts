/**
 * The worker process: runs playbook workflows and their activities on the task queue.
 * Activities get this process's clients (MongoDB, SMTP) injected through createWorkerActivities.
 * The workflows come from dist/workflow-bundle.js (worker/workflow-bundle.ts), built before it
 * starts; the cache and concurrency from WORKER_* (lib/config.ts).
 */
import { NativeConnection, Worker, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { createEngine } from '../engine/index.js';
import nodemailer from 'nodemailer';
import { loadConfigOrExit } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { serveMetrics } from '../lib/metrics.js';
import { connectMongo } from '../lib/mongo.js';
import { ensureSearchAttributes } from '../lib/search-attributes.js';
import { createWorkerActivities } from './activities.js';
import { ensureWorkflowBundleInChild } from './workflow-bundle.js';

async function main() {
  const log = createLogger('worker');
  const config = loadConfigOrExit(log);
  Runtime.install({
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
  });
  // Built by `npm run build:workflows` (a pre-step of `npm run worker` and `npm start`, and of
  // the Docker image); when missing or stale, e.g. under `node --import tsx worker/main.ts`
  // after an edit, it is built here, in a child process.
  const codePath = await ensureWorkflowBundleInChild({ info: (message) => log.info(message) });
  const mongo = await connectMongo(config.mongodbUri, config.mongodbDb, log);
  const mailer = nodemailer.createTransport(config.smtpUrl);
  const connection = await NativeConnection.connect({ address: config.temporalAddress });
  // One engine for the process, on the worker's own connection: the renewal scan activity
  // starts runs with it, and it makes sure the scan's Schedule exists.
  const engine = createEngine({
    db: mongo.db,
    temporal: new Client({ connection, namespace: config.temporalNamespace }),
    taskQueue: config.taskQueue,
    thresholds: config.healthThresholds,
  });
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath },
    maxCachedWorkflows: config.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: config.maxConcurrentActivityTaskExecutions,
    activities: createWorkerActivities({ config, db: mongo.db, mailer, engine }),
  });

  // The daily renewal scan is a Temporal Schedule; creating it is idempotent, so every worker
  // start makes sure it exists.
  await engine.ensureRenewalSchedule();
  // Every run carries search attributes (workflows/search-attributes.ts), and a start that sets
  // unregistered ones is refused. Where the worker may not add them (a managed cluster), the
  // operator creates them (README); the warning says so.
  await ensureSearchAttributes(connection.operatorService, config.temporalNamespace).then(
    (added) => {
      if (added.length > 0) log.info({ added }, 'search attributes registered');
    },
    (err: unknown) =>
      log.warn(
        { err },
        "could not check or register the runs' search attributes; create them with `temporal operator search-attribute create` (README)",
      ),
  );

  // GET /metrics (its MongoDB commands, process figures) when WORKER_METRICS_PORT is set;
  // loadConfig refuses that port without an ADMIN_TOKEN to protect it.
  const metricsServer =
    config.workerMetricsPort !== undefined && config.adminToken
      ? await serveMetrics({
          port: config.workerMetricsPort,
          host: config.host,
          adminToken: config.adminToken,
        })
      : undefined;

  // Worker.run() drains in-flight tasks when shutdown() is called: SIGINT/SIGTERM are handled by the SDK.
  log.info(
    {
      taskQueue: config.taskQueue,
      temporal: config.temporalAddress,
      maxCachedWorkflows: config.maxCachedWorkflows,
      maxConcurrentWorkflowTaskExecutions: config.maxConcurrentWorkflowTaskExecutions,
      maxConcurrentActivityTaskExecutions: config.maxConcurrentActivityTaskExecutions,
    },
    'worker started',
  );
  await worker.run();
  await metricsServer?.close();
  await connection.close();
  await mongo.close();
  mailer.close();
  log.info('worker stopped');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
