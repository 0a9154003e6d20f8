/**
 * `retain simulate` as a CS-ops person runs it: the real workflow and activities on the
 * time-skipping server, printing the playbook's actions as JSON. A 45-day rescue simulates in
 * seconds, with and without the health recovering.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

interface Entry {
  t: number;
  step: string | null;
  kind: string;
  event: string;
  detail: Record<string, unknown>;
}

async function simulate(...extra: string[]): Promise<Entry[]> {
  const { stdout } = await run(
    'node',
    [
      'bin/retain.js',
      'simulate',
      'playbooks/low-usage-rescue.yaml',
      '--account',
      'playbooks/examples/account.json',
      '--json',
      ...extra,
    ],
    { cwd: root, timeout: 90_000 },
  );
  return JSON.parse(stdout) as Entry[];
}

describe('retain simulate', () => {
  test('health staying red: call task, overdue notice on day 4, escalation on day 18, rescue_failed on day 45', async () => {
    const began = Date.now();
    const timeline = await simulate();
    expect(Date.now() - began).toBeLessThan(60_000);
    const line = (step: string, event: string) => timeline.find((e) => e.step === step && e.event === event);
    // At once: the activity's own run time (a second or two on a busy machine) is all that passes.
    expect(line('rescue_call', 'created')?.t).toBeLessThanOrEqual(60);
    expect(line('rescue_call_overdue', 'sent')?.t).toBeGreaterThanOrEqual(4 * 86_400);
    expect(line('escalation', 'created')?.t).toBeGreaterThanOrEqual(18 * 86_400);
    expect(timeline.at(-1)).toMatchObject({
      kind: 'run',
      event: 'ended',
      detail: { outcome: 'rescue_failed', goalReached: false },
    });
    // The window's timer fires at day 45 exactly; the activities recording the end take real time.
    expect(timeline.at(-1)?.t).toBeGreaterThanOrEqual(45 * 86_400);
    expect(timeline.at(-1)?.t).toBeLessThanOrEqual(45 * 86_400 + 60);
    expect(timeline.map((e) => e.t)).toEqual([...timeline.map((e) => e.t)].sort((a, b) => a - b));
  });

  test('health recovering on day 10 ends the run rescued on day 10', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'retain-sim-'));
    const health = join(dir, 'health.json');
    writeFileSync(
      health,
      JSON.stringify([
        { at: '0d', score: 35 },
        { at: '10d', score: 75 },
      ]),
    );
    const timeline = await simulate('--health', health);
    expect(timeline.find((e) => e.kind === 'goal')).toMatchObject({ event: 'reached', t: 10 * 86_400 });
    expect(timeline.at(-1)).toMatchObject({
      event: 'ended',
      t: 10 * 86_400,
      detail: { outcome: 'rescued', goalReached: true },
    });
    expect(timeline.some((e) => e.step === 'escalation')).toBe(false);
  });
});
