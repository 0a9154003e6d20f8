/**
 * `retain <command> [args…]`: dispatches to `cli/<command>.ts`, a module exporting
 * `run(argv): Promise<number>` (the exit code). Commands plug in by adding a file; helper
 * modules of a command carry a dash in their name (`preview-context.ts`) and are not commands.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Command {
  run(argv: string[]): Promise<number>;
}

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
  return module.run(rest);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exitCode = 2;
    },
  );
}
