/**
 * Warnings about control flow: steps that can never run, branches that can never be taken,
 * and a high-touch playbook that emails customers without involving their CSM.
 */
import type { ExpressionContext } from './context.js';
import { checkExpression, evaluateCondition } from './expressions.js';
import type { JsonPath } from './locate.js';
import type { Reporter } from './reporter.js';
import { isRecord } from './rules-shape.js';
import { allSteps, childLists, stepList, type StepNode } from './step-tree.js';

/** The value of a condition that reads no variable (`true`, `1 > 2`), else undefined. */
function constantCondition(source: unknown): boolean | undefined {
  if (typeof source !== 'string') return undefined;
  const check = checkExpression(source, { expect: 'bool' });
  if (!check.ok || check.variables.length > 0) return undefined;
  try {
    return evaluateCondition(source, {} as ExpressionContext);
  } catch {
    return undefined;
  }
}

/** Whether running a step list always ends the run (an outcome with end: true on every path). */
function listEnds(steps: unknown, path: JsonPath): boolean {
  return stepList(steps, path).some(stepEnds);
}

function stepEnds(node: StepNode): boolean {
  const { step } = node;
  switch (node.kind) {
    case 'outcome':
      return isRecord(step.outcome) && step.outcome.end === true;
    case 'if':
      return step.else !== undefined && childLists(node).every((list) => listEnds(list.steps, list.path));
    case 'switch':
      return (
        isRecord(step.switch) &&
        step.switch.default !== undefined &&
        childLists(node).every((list) => listEnds(list.steps, list.path))
      );
    default:
      return false;
  }
}

function unreachableSteps(report: Reporter, steps: unknown, path: JsonPath): void {
  const nodes = stepList(steps, path);
  const end = nodes.findIndex(stepEnds);
  if (end >= 0 && end < nodes.length - 1) {
    report.warning(
      'step.unreachable',
      nodes[end + 1].path,
      'this step never runs: the run always ends at an earlier step (outcome with end: true)',
    );
  }
  for (const node of nodes)
    for (const child of childLists(node)) unreachableSteps(report, child.steps, child.path);
}

function unreachableBranches(report: Reporter, node: StepNode): void {
  const { step, path } = node;
  if (node.kind === 'if') {
    const value = constantCondition(step.if);
    if (value === true && step.else !== undefined)
      report.warning(
        'branch.unreachable',
        [...path, 'else'],
        'the condition is always true, so "else" never runs',
        'key',
      );
    if (value === false)
      report.warning(
        'branch.unreachable',
        [...path, 'then'],
        'the condition is always false, so "then" never runs',
        'key',
      );
  }
  if (node.kind === 'switch' && isRecord(step.switch) && Array.isArray(step.switch.cases)) {
    const seen = new Set<string>();
    let alwaysTaken: number | undefined;
    step.switch.cases.forEach((c, i) => {
      if (!isRecord(c)) return;
      const when = [...path, 'switch', 'cases', i, 'when'];
      const text = typeof c.when === 'string' ? c.when.replace(/\s+/g, '') : undefined;
      if (alwaysTaken !== undefined) {
        report.warning(
          'branch.unreachable',
          when,
          `case ${alwaysTaken + 1} always matches, so this case is never taken`,
        );
      } else if (text !== undefined && seen.has(text)) {
        report.warning(
          'branch.unreachable',
          when,
          'an earlier case has the same condition, so this case is never taken',
        );
      } else if (constantCondition(c.when) === false) {
        report.warning(
          'branch.unreachable',
          when,
          'this condition is always false, so this case is never taken',
        );
      } else if (constantCondition(c.when) === true) {
        alwaysTaken = i;
      }
      if (text !== undefined) seen.add(text);
    });
    if (alwaysTaken !== undefined && step.switch.default !== undefined) {
      report.warning(
        'branch.unreachable',
        [...path, 'switch', 'default'],
        `case ${alwaysTaken + 1} always matches, so "default" never runs`,
        'key',
      );
    }
  }
}

/** High-touch accounts are the CSM's: automated email alone bypasses the relationship. */
function highTouchWithoutTask(report: Reporter, playbook: Record<string, unknown>, steps: StepNode[]): void {
  const segments = isRecord(playbook.audience) ? playbook.audience.segments : undefined;
  if (!Array.isArray(segments) || segments.length === 0 || !segments.every((s) => s === 'high-touch')) return;
  if (steps.some((node) => node.kind === 'task')) return;
  const email = steps.find((node) => node.kind === 'email');
  if (email) {
    report.warning(
      'email.high_touch_without_task',
      email.path,
      'this playbook is for high-touch accounts only, but it emails them without a task for their CSM; add a task step',
    );
  }
}

export function checkFlow(report: Reporter, playbook: Record<string, unknown>): void {
  const steps = allSteps(playbook.steps);
  unreachableSteps(report, playbook.steps, ['steps']);
  for (const node of steps) unreachableBranches(report, node);
  highTouchWithoutTask(report, playbook, steps);
}
