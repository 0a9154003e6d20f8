/**
 * `retain simulate` as a process: one that cannot go on exits non-zero at once, and one that is
 * sent SIGTERM stops; either way nothing it started is left running. Its processes are found by
 * a marker in their environment, which every child (FerretDB, the Temporal test server, the
 * setup script, watchdogs) inherits.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'retain-cli-'));

/** The processes, other than exited ones, whose environment carries `RETAIN_TEST_MARK=<mark>`. */
function marked(mark: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`RETAIN_TEST_MARK=${mark}`))
        continue;
      const status = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(status)) continue; // exited, not yet reaped by its parent
      found.push(
        `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 120)}`,
      );
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function simulate(extra: string[], env: Record<string, string | undefined>) {
  const mark = randomUUID();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, RETAIN_TEST_MARK: mark };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete childEnv[name];
  const child = spawn(
    process.execPath,
    [
      'bin/retain.js',
      'simulate',
      'playbooks/low-usage-rescue.yaml',
      '--account',
      'playbooks/examples/account.json',
      ...extra,
    ],
    { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on('exit', (code) => resolve({ code, at: Date.now() })),
  );
  return { child, mark, exited, stderr: () => stderr };
}

/** Nothing carrying the mark is left a moment after the command exited. */
async function expectNothingLeft(mark: string): Promise<void> {
  await until(() => marked(mark).length === 0, 3_000, 'the processes the command started to end').catch(
    () => undefined,
  );
  expect(marked(mark)).toEqual([]);
}

describe('retain simulate as a process', () => {
  test(
    'without usable tools and setup failing, it exits non-zero at once and leaves nothing running',
    { timeout: 120_000 },
    async () => {
      // A tools directory under a regular file: the setup script cannot even create it.
      const file = join(scratch, 'not-a-directory');
      writeFileSync(file, '');
      const began = Date.now();
      const run = simulate([], { RETAIN_TOOLS_DIR: join(file, 'tools'), MONGODB_URI: undefined });
      let failedAt = 0;
      const watcher = setInterval(() => {
        if (!failedAt && run.stderr().includes('setting up the servers failed')) failedAt = Date.now();
      }, 20);
      const { code, at } = await run.exited;
      clearInterval(watcher);
      failedAt ||= at;
      expect(code).toBe(1);
      expect(run.stderr()).toMatch(/setting up the servers it needs/);
      expect(run.stderr()).toMatch(/setting up the servers failed \(scripts\/install-tools\.sh exited 1\)/);
      // It ends as soon as it has said why, by itself (not by the bin's safety net)…
      expect(at - failedAt).toBeLessThan(2_000);
      expect(run.stderr()).not.toMatch(/still running/);
      // …and the whole run is start-up and a failed setup (seconds, more on a loaded machine).
      expect(at - began).toBeLessThan(45_000);
      await expectNothingLeft(run.mark);
    },
  );

  test('HEALTH_GREEN / HEALTH_RED that contradict each other are refused before anything starts', async () => {
    const run = simulate([], { HEALTH_GREEN: '30', HEALTH_RED: '60' });
    expect((await run.exited).code).toBe(2);
    expect(run.stderr()).toMatch(/HEALTH_RED must be lower than HEALTH_GREEN/);
    expect(run.stderr()).not.toMatch(/setting up|still running/);
    await expectNothingLeft(run.mark);
  });

  test(
    'a simulation that cannot enrol the account (35 is yellow with HEALTH_RED=30) exits 1 after stopping the servers it started',
    { timeout: 120_000 },
    async () => {
      // With the default thresholds 35 is red and the rescue enrols; the configuration decides.
      const health = join(scratch, 'yellow.json');
      writeFileSync(health, JSON.stringify([{ at: '0d', score: 35 }]));
      const run = simulate(['--health', health], {
        MONGODB_URI: undefined,
        HEALTH_GREEN: '70',
        HEALTH_RED: '30',
      });
      const { code } = await run.exited;
      expect(code).toBe(1);
      expect(run.stderr()).toMatch(/would not enrol this account with a health score of 35/);
      expect(run.stderr()).not.toMatch(/still running/);
      await expectNothingLeft(run.mark);
    },
  );

  test('SIGTERM stops a running simulation and everything it started', { timeout: 180_000 }, async () => {
    // Two health points a day for 45 days keep the run busy for seconds after the servers are up.
    const health = join(scratch, 'long.json');
    const points = [{ at: '0d', score: 25 }];
    for (let h = 12; h < 45 * 24; h += 12) points.push({ at: `${h}h`, score: 20 + (h % 7) });
    writeFileSync(health, JSON.stringify(points));
    const run = simulate(['--health', health], { MONGODB_URI: undefined });
    await until(
      () => marked(run.mark).some((p) => p.includes('temporal-test-server')),
      90_000,
      'the time-skipping test server',
    );
    await new Promise((r) => setTimeout(r, 3_000));
    expect(marked(run.mark).some((p) => /ferretdb|mongod/.test(p))).toBe(true);
    const sent = Date.now();
    run.child.kill('SIGTERM');
    const { code, at } = await run.exited;
    expect(code).toBe(143);
    expect(at - sent).toBeLessThan(10_000);
    expect(run.stderr()).toMatch(/SIGTERM, stopping/);
    await expectNothingLeft(run.mark);
  });
});
