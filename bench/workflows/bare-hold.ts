/**
 * The memory scenario's baseline: the plainest workflow that waits for the account event the
 * held playbook runs wait for (with the same 30-day timeout), then ends. No activity, no
 * audit, nothing interpreted: what 10,000 releases cost Temporal and a worker alone.
 */
import { condition, setHandler } from '@temporalio/workflow';
import { accountEvent } from '../../workflows/contract.js';

export async function bareHold(): Promise<string> {
  let released = false;
  setHandler(accountEvent, () => {
    released = true;
  });
  await condition(() => released, '30 days');
  return released ? 'held' : 'timed_out';
}
