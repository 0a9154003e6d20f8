/**
 * Whether an account may be enrolled in a playbook by this trigger: its segment is in the
 * audience, and `audience.when` and `trigger.when` hold on the values the trigger saw.
 * An expression that fails at run time counts as "not eligible" (with the error as reason):
 * a broken condition must never enrol the whole customer base.
 */
import type { ExpressionContext } from '../language/context.js';
import type { Playbook } from '../language/schema.js';
import { evaluateCondition } from '../language/expressions.js';

export type Eligibility = { eligible: true } | { eligible: false; reason: string };

/** `manual` enrolments skip `trigger.when`: a person decided, only the audience still applies. */
export function checkEligibility(
  playbook: Playbook,
  ctx: ExpressionContext,
  opts: { skipTriggerWhen?: boolean } = {},
): Eligibility {
  const segments = playbook.audience?.segments;
  if (segments && !segments.includes(ctx.account.segment)) {
    return {
      eligible: false,
      reason: `segment ${ctx.account.segment} is not in the audience (${segments.join(', ')})`,
    };
  }
  for (const [label, expr] of [
    ['audience.when', playbook.audience?.when],
    ['trigger.when', opts.skipTriggerWhen ? undefined : playbook.trigger.when],
  ] as const) {
    if (!expr) continue;
    let holds: boolean;
    try {
      holds = evaluateCondition(expr, ctx);
    } catch (err) {
      return { eligible: false, reason: `${label} could not be evaluated: ${(err as Error).message}` };
    }
    if (!holds) return { eligible: false, reason: `${label} is false: ${expr}` };
  }
  return { eligible: true };
}
