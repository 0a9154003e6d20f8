/** A workflow that only evaluates playbook expressions: proves they run in Temporal's sandbox. */
import type { ExpressionContext } from '../../language/context.js';
import { durationMs } from '../../language/durations.js';
import { evaluateCondition, evaluateExpression } from '../../language/expressions.js';

export async function evaluateInSandbox(context: ExpressionContext): Promise<unknown> {
  return {
    condition: evaluateCondition('health.score < 40 && steps.call.outcome == "reached"', context),
    doubled: evaluateExpression('[1, 2].map(x, x * 2)', context),
    health: evaluateExpression('health', context),
    twoDays: durationMs('2d'),
  };
}
