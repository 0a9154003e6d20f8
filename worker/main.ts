/**
 * The worker process: runs playbook workflows and their activities on the task queue.
 * Activities get this process's clients (MongoDB, SMTP) injected through createWorkerActivities.
 */
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { Client } from '@temporalio/client';
import { createEngine } from '../engine/index.js';
import nodemailer from 'nodemailer';
import { loadConfigOrExit } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { connectMongo } from '../lib/mongo.js';
import { ensureSearchAttributes } from '../lib/search-attributes.js';
import { createWorkerActivities } from './activities.js';

async function main() {
  const log = createLogger('worker');
  const config = loadConfigOrExit(log);
  Runtime.install({
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
  });
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
    workflowsPath: fileURLToPath(new URL('../workflows/index.ts', import.meta.url)),
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

  // Worker.run() drains in-flight tasks when shutdown() is called: SIGINT/SIGTERM are handled by the SDK.
  log.info({ taskQueue: config.taskQueue, temporal: config.temporalAddress }, 'worker started');
  await worker.run();
  await connection.close();
  await mongo.close();
  mailer.close();
  log.info('worker stopped');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
