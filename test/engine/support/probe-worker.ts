/**
 * A worker process for the probe workflow (tests kill it with SIGKILL mid-flight).
 * Env: TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, MONGODB_URI, MONGODB_DB.
 */
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import { createProbeActivities } from './probe-activities.js';

const env = (name: string) => process.env[name] ?? (console.error(`${name} is required`), process.exit(2));

Runtime.install({ logger: new DefaultLogger('WARN') });
const mongo = await new MongoClient(env('MONGODB_URI')).connect();
const connection = await NativeConnection.connect({ address: env('TEMPORAL_ADDRESS') });
const worker = await Worker.create({
  connection,
  taskQueue: env('TEMPORAL_TASK_QUEUE'),
  workflowsPath: fileURLToPath(new URL('./probe-workflow.ts', import.meta.url)),
  activities: createProbeActivities(mongo.db(env('MONGODB_DB'))),
});
await worker.run();
await connection.close();
await mongo.close();
