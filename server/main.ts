/**
 * The API process: configuration, connections, listen, graceful shutdown.
 */
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { ensureIndexes } from '../lib/collections.js';
import { temporalInterceptors } from '../lib/metrics.js';
import { connectMongo } from '../lib/mongo.js';
import { createEngine } from '../engine/index.js';
import { buildApp } from './app.js';

async function main() {
  const log = createLogger('api');
  const config = loadConfigOrExit(log);
  const mongo = await connectMongo(config.mongodbUri, config.mongodbDb, log);
  // The indexes of lib/collections.ts, before the API serves anything (unique emails and
  // playbook versions are enforced by them).
  await ensureIndexes(mongo.db);
  // Metered: every gRPC call to Temporal is counted by method for /metrics (lib/metrics.ts).
  const connection = await Connection.connect({
    address: config.temporalAddress,
    interceptors: temporalInterceptors(),
  });
  const temporal = new Client({ connection, namespace: config.temporalNamespace });
  const engine = createEngine({
    db: mongo.db,
    temporal,
    taskQueue: config.taskQueue,
    thresholds: config.healthThresholds,
  });
  const app = await buildApp(
    { config, db: mongo.db, temporal, engine },
    { loggerInstance: log, trustProxy: true },
  );
  // Task completions recorded while Temporal was unreachable are delivered when it is back.
  const stopDelivery = engine.startDeliveryLoop(5_000, (err) =>
    log.warn({ err }, 'task completion delivery failed; will retry'),
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    stopDelivery();
    await app.close();
    await connection.close();
    await mongo.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ port: config.port, host: config.host });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
