/**
 * Replay safety: every recorded history under test/histories is replayed against the current
 * workflow code. A change to the interpreter that would make runs in flight non-deterministic
 * fails here (re-record with RECORD_HISTORIES=1 only for a deliberate, patched change).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, test } from 'vitest';
import { workflowBundle } from '../harness/index.js';

const historiesDir = fileURLToPath(new URL('../histories/', import.meta.url));
const files = readdirSync(historiesDir).filter((f) => f.endsWith('.binpb')).sort();

describe('recorded playbook histories', () => {
  test('there are histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
  });

  test.each(files)('%s replays deterministically', async (file) => {
    const history = temporal.api.history.v1.History.decode(readFileSync(`${historiesDir}${file}`));
    const bundle = await workflowBundle(fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)));
    await expect(Worker.runReplayHistory({ workflowBundle: bundle }, history, file.replace(/\.binpb$/, ''))).resolves.toBeUndefined();
  });
});
