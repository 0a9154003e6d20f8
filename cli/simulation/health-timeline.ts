/**
 * The health an account has during a simulation. CS ops give a timeline
 * (`[{ "at": "0d", "score": 35 }, { "at": "10d", "score": 75 }]`) to try "what if the score
 * recovers on day 10"; without one, the health is whatever makes the trigger fire, and stays.
 */
import type { AccountDoc } from '../../lib/documents.js';
import type { HealthView } from '../../language/context.js';
import type { Playbook } from '../../language/schema.js';
import { parseDuration } from '../../language/durations.js';
import { checkEligibility } from '../../engine/eligibility.js';
import { healthBand, type HealthThresholds } from '../../language/health-band.js';
import { triggerContext } from '../../language/context.js';

export interface HealthPoint {
  /** Milliseconds after enrolment. */
  atMs: number;
  score: number;
}

/** Parses and checks a timeline file's content; errors name the entry, for a CS-ops reader. */
export function parseHealthTimeline(value: unknown): HealthPoint[] {
  if (!Array.isArray(value))
    throw new Error('the health timeline must be a JSON array like [{ "at": "0d", "score": 35 }]');
  const points = value.map((entry: unknown, i) => {
    const e = entry as { at?: unknown; score?: unknown } | null;
    if (typeof e !== 'object' || e === null)
      throw new Error(`health timeline entry ${i + 1} must be an object with "at" and "score"`);
    const at = typeof e.at === 'string' ? e.at.trim() : undefined;
    const atMs = at === undefined ? undefined : /^0+[mhdw]?$/.test(at) ? 0 : parseDuration(at);
    if (atMs === undefined)
      throw new Error(
        `health timeline entry ${i + 1}: "at" must be an offset from enrolment such as "0d", "36h" or "10d"`,
      );
    if (typeof e.score !== 'number' || e.score < 0 || e.score > 100)
      throw new Error(`health timeline entry ${i + 1}: "score" must be a number from 0 to 100`);
    return { atMs, score: e.score };
  });
  return points.sort((a, b) => a.atMs - b.atMs);
}

export interface TriggerHealth {
  health: HealthView;
  previous: HealthView;
}

/** Scores that represent each band well away from the default thresholds, lowest first. */
const candidateScores = [25, 10, 35, 55, 65, 50, 85, 95, 75];

/**
 * The health and previous health at enrolment: the timeline's first score (or the account's,
 * or a search over representative scores) and a `previous` that makes audience and trigger
 * conditions hold. Throws, saying why, when nothing makes the playbook enrol this account.
 */
export function healthAtEnrolment(
  playbook: Playbook,
  account: AccountDoc,
  thresholds: HealthThresholds,
  fixedScore: number | undefined,
  now: Date,
): TriggerHealth {
  const view = (score: number): HealthView => ({ score, band: healthBand(score, thresholds) });
  const scores =
    fixedScore !== undefined
      ? [fixedScore]
      : [...(account.health ? [account.health.score] : []), ...candidateScores];
  const previousOptions: HealthView[] = [...candidateScores.map(view), { score: -1, band: 'none' }];
  let lastReason = '';
  for (const score of scores) {
    const health = view(score);
    // A health.changed trigger needs a previous that differs; others see previous == health first.
    const previousList =
      playbook.trigger.on === 'health.changed'
        ? previousOptions.filter((p) => p.band !== health.band)
        : [health, ...previousOptions];
    for (const previous of previousList) {
      const ctx = triggerContext({
        account,
        health,
        previous,
        playbookId: playbook.id,
        version: 1,
        event: { name: playbook.trigger.event ?? '', data: {} },
        now,
      });
      const eligibility = checkEligibility(playbook, ctx, {
        skipTriggerWhen: playbook.trigger.on === 'manual',
      });
      if (eligibility.eligible) return { health, previous };
      lastReason = eligibility.reason;
    }
  }
  const which =
    fixedScore !== undefined ? `with a health score of ${fixedScore} at enrolment` : 'at any health score';
  throw new Error(`the playbook would not enrol this account ${which}: ${lastReason}`);
}
