import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * A server process the stack started. Each runs in its own process group so that stopping it
 * also stops anything it forked, and so that Ctrl-C in a terminal reaches only our launcher,
 * which then stops the servers in order instead of all of them dying at once.
 */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves with the exit code (or signal name) when the process has exited. */
  readonly exited: Promise<string>;
  /** The last lines the process wrote, for error messages. */
  recentOutput(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

// Last resort when the launcher exits without stopping its servers (an uncaught error, a
// process.exit in a test runner): a synchronous SIGKILL is all an 'exit' handler can do.
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) killGroup(child, 'SIGKILL');
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

// Covers the case no handler can: the launcher killed with SIGKILL (e.g. a test runner timing
// out a worker). It polls the launcher and kills the server's group once the launcher is gone,
// and ends by itself when the server ends.
const watchdogScript = `
parent=$1; group=$2; scratch=$3
while kill -0 "$parent" 2>/dev/null && kill -0 -- "-$group" 2>/dev/null; do sleep 1; done
if ! kill -0 "$parent" 2>/dev/null; then
  if kill -0 -- "-$group" 2>/dev/null; then
    kill -TERM -- "-$group" 2>/dev/null; sleep 5; kill -KILL -- "-$group" 2>/dev/null
  fi
  if [ -n "$scratch" ]; then rm -rf -- "$scratch"; fi
fi
exit 0`;

export interface SpawnServerOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Also append the process's output to this file (dev runs keep logs under .data/). */
  logFile?: string;
  /** A temporary directory of the server's, removed by the watchdog if the launcher dies. */
  scratchDir?: string;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  /** Also copy the process's output here as it comes (a setup script's progress). */
  echo?: NodeJS.WritableStream;
}

export function spawnServer(
  name: string,
  command: string,
  args: string[],
  options: SpawnServerOptions = {},
): ServerProcess {
  installExitHook();
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  live.add(child);
  const pid = child.pid;

  const watchdog = spawn(
    'bash',
    ['-c', watchdogScript, 'retain-watchdog', String(process.pid), String(pid), options.scratchDir ?? ''],
    {
      detached: true,
      stdio: 'ignore',
    },
  );
  watchdog.unref();

  const lines: string[] = [];
  let log: WriteStream | undefined;
  if (options.logFile) log = createWriteStream(options.logFile, { flags: 'a' });
  const collect = (chunk: Buffer) => {
    log?.write(chunk);
    options.echo?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > 40) lines.shift();
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  const exited = new Promise<string>((resolve) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      log?.end();
      resolve(signal ?? String(code));
    });
    child.on('error', (err) => {
      live.delete(child);
      lines.push(String(err));
      resolve('spawn-error');
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (live.has(child)) {
        killGroup(child, 'SIGTERM');
        const timeout = new Promise<'timeout'>((r) =>
          setTimeout(() => r('timeout'), options.stopTimeoutMs ?? 8_000).unref(),
        );
        if ((await Promise.race([exited, timeout])) === 'timeout') {
          killGroup(child, 'SIGKILL');
          await exited;
        }
      }
      // A group member may outlive the leader; make sure none does.
      killGroup(child, 'SIGKILL');
      if (watchdog.pid !== undefined) {
        try {
          process.kill(-watchdog.pid, 'SIGKILL');
        } catch {
          // the watchdog ended by itself
        }
      }
    })();
    return stopping;
  };

  return { name, pid, exited, recentOutput: () => lines.join('\n'), stop };
}

/** Polls `check` until it returns true, failing early if the process exits meanwhile. */
export async function waitUntilReady(
  server: ServerProcess,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitedWith: string | undefined;
  void server.exited.then((code) => (exitedWith = code));
  while (Date.now() < deadline) {
    if (exitedWith !== undefined) {
      throw new Error(`${server.name} exited (${exitedWith}) before it was ready:\n${server.recentOutput()}`);
    }
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${server.name} was not ready after ${timeoutMs / 1000}s:\n${server.recentOutput()}`);
}
