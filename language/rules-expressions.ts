/**
 * Checks one expression field: syntax and types (reported at the exact character inside the
 * YAML string), and that it only reads variables that exist where it is evaluated.
 */
import { checkExpression, type ExpressionCheck } from './expressions.js';
import type { JsonPath } from './locate.js';
import type { Reporter } from './reporter.js';

/** Where an expression is evaluated decides what it can see. */
export type ExpressionScope = 'enrolment' | 'run';

const unavailableAtEnrolment: Record<string, string> = {
  steps: 'no step has run when an account is enrolled',
  run: 'the run does not exist yet when an account is enrolled',
};

export function checkExpressionField(
  report: Reporter,
  path: JsonPath,
  source: unknown,
  scope: ExpressionScope,
): ExpressionCheck | undefined {
  // Non-text and empty values are already reported by the shape check.
  if (typeof source !== 'string' || source.trim() === '') return undefined;
  const result = checkExpression(source, { expect: 'bool' });
  if (!result.ok) {
    for (const error of result.errors) report.errorInString(error.code, path, error.offset, error.message);
    return result;
  }
  if (scope === 'enrolment') {
    for (const name of result.variables) {
      const why = unavailableAtEnrolment[name];
      if (!why) continue;
      const offset = new RegExp(`\\b${name}\\b`).exec(source)?.index;
      report.errorInString('expr.scope', path, offset, `"${name}" cannot be used here: ${why}`);
    }
  }
  return result;
}
