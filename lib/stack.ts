import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startSmtpCapture, type SmtpCapture } from './smtp-capture.js';
import { startMongo, type FerretdbBackend, type MongoServer } from './stack-mongo.js';
import { startTemporal } from './stack-temporal.js';

export { createTimeSkippingEnvironment } from './stack-time-skipping.js';
export type { CapturedMail, SmtpCapture } from './smtp-capture.js';

/**
 * The three servers Retain needs — Temporal, a MongoDB-protocol database and SMTP — started
 * on free ports for a dev run (`npm start`) or a test run (test/global-setup.ts), or taken
 * from TEMPORAL_ADDRESS / MONGODB_URI / SMTP_URL when those are set.
 */
export interface Stack {
  temporalAddress: string;
  temporalUiUrl?: string;
  mongodbUri: string;
  mongoKind: MongoServer['kind'];
  mongoBackend?: MongoServer['backend'];
  smtpUrl?: string;
  /** The in-process SMTP server, when we started one (not when SMTP_URL was given). */
  smtp?: SmtpCapture;
  /** Where captured emails are written as .eml files (dev runs with a dataDir). */
  mailDir?: string;
  /** Stops what this stack started (never external servers); safe to call twice. */
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Persist Temporal, the database and captured mail here; everything is temporary when absent. */
  dataDir?: string;
  /** FerretDB's storage, when FerretDB is the database (see MongoOptions.backend). */
  mongoBackend?: FerretdbBackend;
  /** Start Temporal's Web UI (dev runs). */
  temporalUi?: boolean;
  /** Start an SMTP capture (default true). Test files start their own, see test/harness. */
  smtp?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Progress messages, e.g. console.log; silent when absent. */
  log?: (message: string) => void;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const env = options.env ?? process.env;
  const log = options.log ?? (() => {});
  const dataDir = options.dataDir;
  const logsDir = dataDir ? join(dataDir, 'logs') : undefined;
  if (logsDir) await mkdir(logsDir, { recursive: true });

  // Started servers are stopped in reverse order, including when a later one fails to start.
  const stoppers: Array<() => Promise<void>> = [];
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      for (const stopOne of stoppers.reverse())
        await stopOne().catch((err) => log(`stop failed: ${String(err)}`));
    })());

  try {
    const began = Date.now();
    // Temporal and the database start in parallel (both take a second or two); allSettled so
    // that when one fails, the other has finished starting and is stopped too.
    const [temporalResult, mongoResult] = await Promise.allSettled([
      startTemporal(
        {
          ui: options.temporalUi,
          dbFile: dataDir && join(dataDir, 'temporal.db'),
          logFile: logsDir && join(logsDir, 'temporal.log'),
        },
        env,
      ),
      startMongo(
        {
          dataDir: dataDir && join(dataDir, 'ferretdb'),
          logFile: logsDir && join(logsDir, 'mongo.log'),
          backend: options.mongoBackend,
        },
        env,
      ),
    ]);
    for (const result of [temporalResult, mongoResult]) {
      if (result.status === 'fulfilled') stoppers.push(result.value.stop);
    }
    if (temporalResult.status === 'rejected') throw temporalResult.reason;
    if (mongoResult.status === 'rejected') throw mongoResult.reason;
    const temporal = temporalResult.value;
    const mongo = mongoResult.value;
    log(
      `Temporal (${temporal.source}) at ${temporal.address}; ${mongo.kind}${mongo.backend ? ` (${mongo.backend})` : ''} at ${mongo.uri} — ready in ${Date.now() - began}ms`,
    );

    let smtp: SmtpCapture | undefined;
    let smtpUrl = env.SMTP_URL;
    const mailDir = dataDir && !smtpUrl ? join(dataDir, 'mail') : undefined;
    if (!smtpUrl && options.smtp !== false) {
      smtp = await startSmtpCapture({ mailDir });
      stoppers.push(smtp.stop);
      smtpUrl = smtp.url;
    }
    return {
      temporalAddress: temporal.address,
      temporalUiUrl: temporal.uiUrl,
      mongodbUri: mongo.uri,
      mongoKind: mongo.kind,
      mongoBackend: mongo.backend,
      smtpUrl,
      smtp,
      mailDir: smtp ? mailDir : undefined,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
