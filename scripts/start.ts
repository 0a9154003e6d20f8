/**
 * `npm start`: the whole system on embedded defaults. Starts the stack (state kept under
 * .data/ so a restart keeps workflows, data and mail), then the worker and the API as child
 * processes, waits until the API is ready, seeds the demo, and prints where to look.
 * Ctrl-C stops the API and the worker first (they drain against live servers), then the stack.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../lib/free-port.js';
import { startStack, type Stack } from '../lib/stack.js';
import { spawnServer, type ServerProcess } from '../lib/stack-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = join(root, '.data');
const logsDir = join(dataDir, 'logs');
const say = (message: string) => console.log(`[retain] ${message}`);

let stack: Stack | undefined;
const children: ServerProcess[] = [];
let shuttingDown: Promise<void> | undefined;

function shutdown(code: number, reason: string): Promise<void> {
  shuttingDown ??= (async () => {
    say(`${reason}: stopping…`);
    // The API and the worker first, while Temporal and MongoDB still answer their drain.
    await Promise.all(children.map((child) => child.stop()));
    await stack?.stop();
    say('stopped.');
    process.exit(code);
  })();
  return shuttingDown;
}

process.on('SIGINT', () => void shutdown(0, 'Ctrl-C'));
process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));

async function main() {
  await mkdir(logsDir, { recursive: true });
  const began = Date.now();
  say('starting Temporal, the database and the SMTP capture…');
  stack = await startStack({ dataDir, temporalUi: true, log: (m) => say(m) });

  const port = process.env.PORT ? Number(process.env.PORT) : await preferredPort(3000);
  const baseUrl = `http://127.0.0.1:${port}`;
  const adminToken = process.env.ADMIN_TOKEN ?? (await devAdminToken());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    MONGODB_URI: stack.mongodbUri,
    MONGODB_DB: process.env.MONGODB_DB ?? 'retain',
    SMTP_URL: stack.smtpUrl,
    PORT: String(port),
    HOST: process.env.HOST ?? '127.0.0.1',
    ADMIN_TOKEN: adminToken,
    PUBLIC_URL: process.env.PUBLIC_URL ?? baseUrl,
  };

  say('starting the worker and the API…');
  for (const [name, entry] of [
    ['worker', 'worker/main.ts'],
    ['api', 'server/main.ts'],
  ] as const) {
    const child = spawnServer(name, process.execPath, ['--import', 'tsx', join(root, entry)], {
      env,
      cwd: root,
      logFile: join(logsDir, `${name}.log`),
      stopTimeoutMs: 15_000,
    });
    children.push(child);
    void child.exited.then((code) => {
      if (shuttingDown) return;
      console.error(`[retain] the ${name} exited (${code}); its last output:\n${child.recentOutput()}`);
      void shutdown(1, `${name} failed`);
    });
  }
  await waitForReady(baseUrl);
  const readyAfter = Date.now() - began;

  // A broken demo must not take the system down with it: report it and keep running.
  const demo =
    process.env.RETAIN_DEMO !== 'false'
      ? await seedDemoIfPresent(baseUrl, adminToken).catch(
          (err: unknown) => `could not be loaded: ${err instanceof Error ? err.message : String(err)}`,
        )
      : undefined;

  const mail = stack.mailDir
    ? relative(root, stack.mailDir) + '/ (one .eml file per message)'
    : `sent to ${stack.smtpUrl}`;
  console.log(`
  Retain is running (ready in ${(readyAfter / 1000).toFixed(1)}s).

    API            ${baseUrl}/v1
    API docs       ${baseUrl}/docs
    Readiness      ${baseUrl}/readyz
    Temporal UI    ${stack.temporalUiUrl ?? `(external Temporal at ${stack.temporalAddress})`}
    Admin token    ${adminToken}
                   curl -H "Authorization: Bearer ${adminToken}" ${baseUrl}/v1/accounts
    Emails         ${mail}
    Logs           ${relative(root, logsDir)}/ (api.log, worker.log, temporal.log, mongo.log)
    Data           ${relative(root, dataDir)}/ (delete it to start afresh)
${demo ? `    Demo           ${demo}\n` : ''}
  Press Ctrl-C to stop.
`);
}

/** 3000 when free, so the URL is predictable; otherwise any free port. */
async function preferredPort(port: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
  return free ? port : freePort();
}

/** A dev admin token, generated once and kept under .data/ so it survives restarts. */
async function devAdminToken(): Promise<string> {
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const token = `dev-admin-${randomBytes(18).toString('base64url')}`;
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

async function waitForReady(baseUrl: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (shuttingDown) await shuttingDown;
    const status = await fetch(`${baseUrl}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(
    `the API did not answer GET /readyz with 200 within ${timeoutMs / 1000}s (see .data/logs/api.log)`,
  );
}

// Hook for demo data: scripts/demo.ts, when present, exports seedDemo(baseUrl, adminToken).
async function seedDemoIfPresent(baseUrl: string, adminToken: string): Promise<string | undefined> {
  const demoModule = join(root, 'scripts', 'demo.ts');
  if (!existsSync(demoModule)) return undefined;
  const { seedDemo } = (await import('./demo.js')) as {
    seedDemo?: (baseUrl: string, adminToken: string) => Promise<unknown>;
  };
  if (typeof seedDemo !== 'function') return undefined;
  say('loading demo data (RETAIN_DEMO=false to skip)…');
  const result = (await seedDemo(baseUrl, adminToken)) as
    { accounts?: number; playbooks?: string[]; csmTokens?: Record<string, string> } | undefined;
  const parts = [
    result?.accounts !== undefined ? `${result.accounts} accounts` : undefined,
    result?.playbooks ? `playbooks ${result.playbooks.join(', ')}` : undefined,
  ].filter(Boolean);
  const csmTokens = Object.entries(result?.csmTokens ?? {}).map(
    ([who, token]) => `\n                   CSM ${who}: ${token}`,
  );
  return `${parts.join('; ') || 'loaded'}${csmTokens.join('')}`;
}

main().catch((err: unknown) => {
  console.error(`[retain] start failed: ${err instanceof Error ? err.message : String(err)}`);
  void shutdown(1, 'start failed');
});
