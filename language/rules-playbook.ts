/**
 * Playbook-level rules: trigger-specific parameters, and the expressions evaluated outside any
 * step (audience and trigger at enrolment, the goal during the run).
 */
import type { JsonPath } from './locate.js';
import type { Reporter } from './reporter.js';
import { checkExpressionField } from './rules-expressions.js';
import { isRecord } from './rules-shape.js';
import type { StepRules } from './rules-steps.js';

/** Parameters each trigger requires; any other trigger must not carry them. */
const triggerParams: Record<string, { param: string; example: string }> = {
  'renewal.approaching': { param: 'daysBefore', example: 'daysBefore: 90' },
  event: { param: 'event', example: 'event: invoice.paid' },
};

export function checkTrigger(report: Reporter, playbook: Record<string, unknown>): void {
  const trigger = playbook.trigger;
  if (!isRecord(trigger)) return;
  const on = trigger.on;
  if (typeof on === 'string') {
    const needs = triggerParams[on];
    if (needs && !(needs.param in trigger)) {
      report.error(
        'trigger.missing_param',
        ['trigger', 'on'],
        `the ${on} trigger needs "${needs.param}", e.g. ${needs.example}`,
      );
    }
    for (const [other, { param }] of Object.entries(triggerParams)) {
      if (other !== on && param in trigger) {
        report.error(
          'trigger.unexpected_param',
          ['trigger', param],
          `"${param}" only applies to the ${other} trigger, not to ${on}`,
          'key',
        );
      }
    }
  }
  checkExpressionField(report, ['trigger', 'when'], trigger.when, 'enrolment');
}

export function checkAudience(report: Reporter, playbook: Record<string, unknown>): void {
  if (isRecord(playbook.audience))
    checkExpressionField(report, ['audience', 'when'], playbook.audience.when, 'enrolment');
}

export function checkGoal(report: Reporter, playbook: Record<string, unknown>, steps: StepRules): void {
  const goal = playbook.goal;
  if (!isRecord(goal)) return;
  const path: JsonPath = ['goal', 'when'];
  // The goal is checked throughout the run: any step may be referenced, none is "later".
  steps.expressionRefs(checkExpressionField(report, path, goal.when, 'run'), undefined, path);
  if ('missedOutcome' in goal && !('within' in goal)) {
    report.warning(
      'goal.never_missed',
      ['goal', 'missedOutcome'],
      'without "within", the goal has no deadline, so missedOutcome is never recorded',
      'key',
    );
  }
}
