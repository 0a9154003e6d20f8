/**
 * `retain <command> [args…]`: dispatches to `cli/<command>.ts`, a module exporting
 * `run(argv, signal): Promise<number>` (the exit code). Commands plug in by adding a file; helper
 * modules of a command carry a dash in their name (`preview-context.ts`) and are not commands.
 *
 * A command stops everything it started before it returns, so the process ends with it.
 * SIGINT and SIGTERM abort `signal`: the command stops what it started and the process exits
 * with 130 / 143; a second signal, or a command still running 10 s later, exits at once.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Command {
  run(argv: string[], signal: AbortSignal): Promise<number>;
}

/** The exit code after a signal: 128 + its number, as shells report it. */
const signalExitCodes = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof signalExitCodes;

const here = dirname(fileURLToPath(import.meta.url));

function commandNames(): string[] {
  return readdirSync(here)
    .filter((file) => /^[a-z]+\.ts$/.test(file) && file !== 'main.ts')
    .map((file) => file.slice(0, -3))
    .sort();
}

function usage(): string {
  return `Usage: retain <command> [options]\n\nCommands: ${commandNames().join(', ')}\nRun "retain <command> --help" for a command's options.`;
}

export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let stoppedBy: StopSignal | undefined;
  const onSignal = (signal: StopSignal) => {
    if (stoppedBy) process.exit(signalExitCodes[stoppedBy]);
    stoppedBy = signal;
    console.error(`retain: ${signal}, stopping…`);
    controller.abort(new Error(`stopped by ${signal}`));
    setTimeout(() => process.exit(signalExitCodes[signal]), 10_000).unref();
  };
  const signals = Object.keys(signalExitCodes) as StopSignal[];
  for (const signal of signals) process.on(signal, onSignal);
  try {
    const code = await dispatch(argv, controller.signal);
    return stoppedBy ? signalExitCodes[stoppedBy] : code;
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    return stoppedBy ? signalExitCodes[stoppedBy] : 2;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
}

async function dispatch(argv: string[], signal: AbortSignal): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (!commandNames().includes(name)) {
    console.error(`retain: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const module = (await import(pathToFileURL(`${here}/${name}.ts`).href)) as Partial<Command>;
  if (typeof module.run !== 'function') {
    console.error(`retain: cli/${name}.ts does not export run(argv)`);
    return 2;
  }
  return module.run(rest, signal);
}

/** `main` as the whole of this process (bin/retain.js): its result becomes the exit code. */
export async function runAsProcess(argv: string[]): Promise<void> {
  const code = await main(argv);
  process.exitCode = code;
  // Stopped by a signal: what the command started is stopped, and in-process work it gave up
  // (a workflow bundle being built) is not waited for.
  if (code === signalExitCodes.SIGINT || code === signalExitCodes.SIGTERM) process.exit(code);
  // Otherwise the process ends by itself, the command having released all it started. Should
  // something still hold it, say so rather than hang (the CLI tests assert this never shows).
  setTimeout(() => {
    console.error('retain: something the command started is still running; exiting anyway');
    process.exit();
  }, 3_000).unref();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await runAsProcess(process.argv.slice(2));
}
