/**
 * What news a running playbook needs while it runs: which signals change a decision it is
 * waiting to make. Worked out from the compiled expressions and the step tree, once per playbook
 * version (stored with the version at publish; computed again for a version stored before).
 *
 * - `health`: the goal reads `health` or `previous`. A run without a goal, or whose goal reads
 *   only account data, learns health when it re-reads the account (before every branch, after
 *   every step, and daily while it waits), so a health signal would change nothing it decides.
 * - `events`: the event names a `waitFor: { event }` step waits for; no other step reads events.
 * - `goalReadsAccount`: the goal reads account data, which a health signal does not carry, so a
 *   signal must make the run re-read the account before it re-checks the goal.
 */
import { checkExpression } from './expressions.js';
import type { Playbook } from './schema.js';
import { allSteps } from './step-tree.js';

export interface RunInterests {
  health: boolean;
  events: string[];
  goalReadsAccount: boolean;
}

export function runInterests(playbook: Playbook): RunInterests {
  const check = playbook.goal ? checkExpression(playbook.goal.when) : null;
  const read = new Set(check?.ok ? check.variables : check ? ['health', 'account'] : []);
  const events = new Set<string>();
  for (const node of allSteps(playbook.steps)) {
    const waitFor = node.kind === 'waitFor' ? (node.step.waitFor as { event?: string }) : undefined;
    if (waitFor?.event) events.add(waitFor.event);
  }
  return {
    health: read.has('health') || read.has('previous'),
    events: [...events].sort(),
    goalReadsAccount: read.has('account'),
  };
}

/** Whether a run of a version with these interests needs this piece of news. */
export function needsNews(interests: RunInterests, news: { health: true } | { event: string }): boolean {
  return 'health' in news ? interests.health : interests.events.includes(news.event);
}
