import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { MongoClient, type Db } from 'mongodb';
import nodemailer, { type Transporter } from 'nodemailer';
import { afterAll, beforeAll, inject } from 'vitest';
import { startSmtpCapture, type SmtpCapture } from '../../lib/smtp-capture.js';
import { workflowBundle } from './bundle.js';
import { uniqueName } from './names.js';
import './provided.js';

export interface Integration {
  readonly temporalAddress: string;
  readonly mongodbUri: string;
  readonly mongoKind: string;
  /** This file's own database (dropped after the file). */
  readonly dbName: string;
  readonly db: Db;
  /** This file's own task queue. */
  readonly taskQueue: string;
  /** Temporal client for starting and querying workflows. */
  readonly client: Client;
  /** Connection for workers. */
  readonly connection: NativeConnection;
  /** This file's SMTP capture (only with { smtp: true }). */
  readonly inbox: SmtpCapture;
  /** A nodemailer transport to `inbox`, as the worker would build from SMTP_URL. */
  readonly mailer: Transporter;
  /** A worker on this file's task queue with the workflows at `workflowsPath` bundled once. */
  createWorker(
    options: { workflowsPath: string; activities: object } & Partial<WorkerOptions>,
  ): Promise<Worker>;
}

/**
 * Connects a test file to the run's shared stack (started by test/global-setup.ts) and gives
 * it its own database, task queue and, if asked, SMTP capture. Call it at the top level of a
 * test file; it registers beforeAll/afterAll. Its properties are usable inside tests and
 * hooks declared after it:
 *
 *   const it = useIntegration('wiring', { smtp: true });
 *   test('…', async () => {
 *     const worker = await it.createWorker({ workflowsPath, activities: createX({ db: it.db, mailer: it.mailer }) });
 *     await worker.runUntil(it.client.workflow.execute(myWorkflow, { taskQueue: it.taskQueue, workflowId, args }));
 *     const mail = await it.inbox.waitFor((m) => m.subject === '…');
 *   });
 */
// Worker state changes are logged at INFO; in test output they drown the failures.
function quietTemporalLogs() {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // a Runtime exists already (another helper installed one): keep it
  }
}

export function useIntegration(label: string, options: { smtp?: boolean } = {}): Integration {
  const state: Partial<Record<keyof Integration, unknown>> = {};
  let mongo: MongoClient | undefined;
  let clientConnection: Connection | undefined;

  beforeAll(async () => {
    quietTemporalLogs();
    state.temporalAddress = inject('temporalAddress');
    state.mongodbUri = inject('mongodbUri');
    state.mongoKind = inject('mongoKind');
    state.dbName = uniqueName('t', label, 38);
    state.taskQueue = uniqueName('tq', label);
    mongo = new MongoClient(state.mongodbUri as string, { serverSelectionTimeoutMS: 5_000 });
    await mongo.connect();
    state.db = mongo.db(state.dbName as string);
    clientConnection = await Connection.connect({ address: state.temporalAddress as string });
    state.client = new Client({ connection: clientConnection });
    state.connection = await NativeConnection.connect({ address: state.temporalAddress as string });
    if (options.smtp) {
      const inbox = await startSmtpCapture();
      state.inbox = inbox;
      state.mailer = nodemailer.createTransport(inbox.url);
    }
  });

  afterAll(async () => {
    (state.mailer as Transporter | undefined)?.close();
    await (state.inbox as SmtpCapture | undefined)?.stop();
    await (state.connection as NativeConnection | undefined)?.close();
    await clientConnection?.close();
    await (state.db as Db | undefined)?.dropDatabase().catch(() => {});
    await mongo?.close();
  });

  const createWorker: Integration['createWorker'] = async ({ workflowsPath, activities, ...rest }) =>
    Worker.create({
      connection: get('connection') as NativeConnection,
      taskQueue: get('taskQueue') as string,
      workflowBundle: await workflowBundle(workflowsPath),
      activities,
      ...rest,
    });

  function get(key: keyof Integration): unknown {
    if (state[key] === undefined) {
      throw new Error(
        `useIntegration: "${key}" is not available${key === 'inbox' || key === 'mailer' ? ' (pass { smtp: true })' : ' before beforeAll has run'}`,
      );
    }
    return state[key];
  }

  return {
    get temporalAddress() {
      return get('temporalAddress') as string;
    },
    get mongodbUri() {
      return get('mongodbUri') as string;
    },
    get mongoKind() {
      return get('mongoKind') as string;
    },
    get dbName() {
      return get('dbName') as string;
    },
    get db() {
      return get('db') as Db;
    },
    get taskQueue() {
      return get('taskQueue') as string;
    },
    get client() {
      return get('client') as Client;
    },
    get connection() {
      return get('connection') as NativeConnection;
    },
    get inbox() {
      return get('inbox') as SmtpCapture;
    },
    get mailer() {
      return get('mailer') as Transporter;
    },
    createWorker,
  };
}
