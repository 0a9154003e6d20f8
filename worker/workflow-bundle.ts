/**
 * The workflow bundle: workflows/index.ts bundled once by Temporal's bundler (webpack) into
 * dist/workflow-bundle.js, which the worker, `npm start`, the Docker image and the tests load,
 * instead of every worker running webpack at its start. `npm run build:workflows` builds it;
 * it is rebuilt only when its sources changed (a hash of every file workflows/index.ts reaches
 * by relative import, of the lock file and of the bundler options, kept beside it), so a
 * fresh clone, a pull or an edit never runs a stale bundle.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const workflowsPath = join(root, 'workflows', 'index.ts');
export const workflowBundlePath = join(root, 'dist', 'workflow-bundle.js');
const stampPath = join(root, 'dist', 'workflow-bundle.sources');

/**
 * Modules evaluated once per worker and shared by every run in its V8 context, instead of once
 * per run (with reuseV8Context, the SDK's default, each run gets its own module instances). Only
 * modules without per-run state: the CEL environment and its compiled-expression cache
 * (language/expressions.ts) are pure functions of the expression text. The SDK deep-freezes
 * what these modules export.
 */
export const preloadModules = ['../language/expressions.js'];

/** What the bundle is built from: the bundler's inputs besides the files. */
const bundlerInputs = { workflowsPath: 'workflows/index.ts', preloadModules, format: 1 };

/** Every source file workflows/index.ts reaches by relative import (type-only imports too). */
function reachableSources(entry: string): string[] {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = resolve(dirname(file), specifier!);
      pending.push(target.endsWith('.js') ? target.replace(/\.js$/, '.ts') : target);
    }
  }
  return [...seen].sort();
}

/** The hash the bundle's stamp must carry for the bundle to be current. */
export function workflowSourcesHash(): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify(bundlerInputs));
  for (const file of [
    ...reachableSources(workflowsPath),
    ...preloadModules.map((m) => resolve(root, 'workflows', m).replace(/\.js$/, '.ts')),
    join(root, 'package-lock.json'),
  ]) {
    hash.update(`\0${file.slice(root.length)}\0`);
    if (existsSync(file)) hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

/** True when dist/workflow-bundle.js exists and was built from the sources as they are now. */
export function workflowBundleIsCurrent(): boolean {
  if (!existsSync(workflowBundlePath) || !existsSync(stampPath)) return false;
  return readFileSync(stampPath, 'utf8').trim() === workflowSourcesHash();
}

interface BundleLogger {
  info(message: string): void;
}

/**
 * Bundles the workflows into dist/workflow-bundle.js (written to a temporary file, then renamed,
 * so a reader never sees half a bundle) unless it is current. Returns whether it built.
 * Loads webpack: a process that only runs workflows calls `ensureWorkflowBundleInChild` instead.
 */
export async function buildWorkflowBundle(
  options: { force?: boolean; log?: BundleLogger } = {},
): Promise<boolean> {
  const sources = workflowSourcesHash();
  if (!options.force && workflowBundleIsCurrent()) return false;
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const began = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath, preloadModules, logger: quietLogger });
  await mkdir(dirname(workflowBundlePath), { recursive: true });
  const tmp = `${workflowBundlePath}.${process.pid}.tmp`;
  await writeFile(tmp, code);
  await rename(tmp, workflowBundlePath);
  await writeFile(stampPath, `${sources}\n`);
  options.log?.info(
    `workflow bundle built: dist/workflow-bundle.js, ${(code.length / 2 ** 20).toFixed(1)} MiB in ${Date.now() - began} ms`,
  );
  return true;
}

/**
 * For the worker: makes sure the bundle is current, building it in a child process when it is
 * not, so webpack and its garbage never enter the worker's heap. Returns the bundle's path.
 */
export async function ensureWorkflowBundleInChild(log?: BundleLogger): Promise<string> {
  if (workflowBundleIsCurrent()) return workflowBundlePath;
  log?.info('the workflow bundle is missing or older than its sources: building it');
  const { spawn } = await import('node:child_process');
  const script = join(root, 'scripts', 'build-workflows.ts');
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: 'inherit' });
    child.once('error', fail);
    child.once('exit', done);
  });
  if (code !== 0 || !workflowBundleIsCurrent())
    throw new Error(`building the workflow bundle failed (scripts/build-workflows.ts exited ${code})`);
  return workflowBundlePath;
}

/** The bundle's code, for tests and tools that hand it to several workers of one process. */
export async function readWorkflowBundle(): Promise<{ code: string }> {
  return { code: await readFile(workflowBundlePath, 'utf8') };
}

/** Webpack's chatter off; warnings and errors still shown. */
export const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string, meta?: unknown) => console.warn(message, meta ?? ''),
  error: (message: string, meta?: unknown) => console.error(message, meta ?? ''),
};
