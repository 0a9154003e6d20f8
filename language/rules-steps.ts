/**
 * Step-level rules: unique ids, references to steps that exist and can have run, step kinds
 * with required either/or fields, and the expressions in branches.
 */
import type { ExpressionCheck } from './expressions.js';
import type { JsonPath } from './locate.js';
import type { Reporter } from './reporter.js';
import { checkExpressionField } from './rules-expressions.js';
import { isRecord } from './rules-shape.js';
import { allSteps, canHaveRunBefore, type StepNode } from './step-tree.js';
import { didYouMean } from './suggest.js';

export class StepRules {
  private readonly byId = new Map<string, StepNode>();

  constructor(
    private readonly report: Reporter,
    private readonly steps: StepNode[],
  ) {}

  static of(report: Reporter, playbook: Record<string, unknown>): StepRules {
    return new StepRules(report, allSteps(playbook.steps));
  }

  run(): void {
    this.uniqueIds();
    for (const node of this.steps) {
      if (node.kind === 'waitFor') this.waitFor(node);
      if (node.kind === 'notify') this.notify(node);
      if (node.kind === 'if') this.condition(node, [...node.path, 'if'], node.step.if);
      if (node.kind === 'switch' && isRecord(node.step.switch) && Array.isArray(node.step.switch.cases)) {
        node.step.switch.cases.forEach((c, i) => {
          if (isRecord(c)) this.condition(node, [...node.path, 'switch', 'cases', i, 'when'], c.when);
        });
      }
    }
  }

  private uniqueIds(): void {
    for (const node of this.steps) {
      if (node.id === undefined) continue;
      const first = this.byId.get(node.id);
      if (first) {
        this.report.error(
          'step.duplicate_id',
          [...node.path, 'id'],
          `another step already has the id "${node.id}"; step ids must be unique`,
        );
      } else {
        this.byId.set(node.id, node);
      }
    }
  }

  /** Reports a reference from `from` (a step, or undefined for the goal) to step `id`. */
  reference(id: string, from: StepNode | undefined, path: JsonPath, offset?: number): StepNode | undefined {
    const target = this.byId.get(id);
    if (!target) {
      const message = `there is no step with the id "${id}"${didYouMean(id, this.byId.keys())}`;
      this.report.errorInString('step.unknown_ref', path, offset, message);
      return undefined;
    }
    if (from && !canHaveRunBefore(target.path, from.path)) {
      const why =
        target === from || target.path.length < from.path.length
          ? 'it has not finished at this point'
          : 'it comes later or is in another branch, so it cannot have run at this point';
      this.report.errorInString('step.ref_not_yet', path, offset, `step "${id}" cannot be used here: ${why}`);
      return undefined;
    }
    return target;
  }

  /** Step references inside an already-checked expression. */
  expressionRefs(check: ExpressionCheck | undefined, from: StepNode | undefined, path: JsonPath): void {
    if (!check?.ok) return;
    for (const ref of check.stepRefs) this.reference(ref.id, from, path, ref.start);
  }

  private condition(node: StepNode, path: JsonPath, source: unknown): void {
    this.expressionRefs(checkExpressionField(this.report, path, source, 'run'), node, path);
  }

  private waitFor(node: StepNode): void {
    const body = node.step.waitFor;
    if (!isRecord(body)) return;
    const targets = ['task', 'event'].filter((key) => key in body);
    if (targets.length !== 1) {
      const message =
        targets.length === 0
          ? 'waitFor needs what to wait for: a task (the id of a task step) or an event'
          : 'waitFor waits for one thing: a task or an event, not both';
      this.report.error('waitfor.target', [...node.path, 'waitFor'], message, 'key');
    }
    if (typeof body.task !== 'string') return;
    const target = this.reference(body.task, node, [...node.path, 'waitFor', 'task']);
    if (target && target.kind !== 'task') {
      this.report.error(
        'step.not_a_task',
        [...node.path, 'waitFor', 'task'],
        `step "${body.task}" is ${target.kind ? `${/^[aeiou]/.test(target.kind) ? 'an' : 'a'} ${target.kind} step` : 'not a task'}; waitFor.task must name a task step`,
      );
    }
  }

  private notify(node: StepNode): void {
    const body = node.step.notify;
    if (!isRecord(body) || 'template' in body || 'message' in body) return;
    this.report.error(
      'notify.content',
      [...node.path, 'notify'],
      'notify needs a template or a message to send',
      'key',
    );
  }

  /** Task steps by id, for outcome checks. */
  task(id: string): StepNode | undefined {
    const node = this.byId.get(id);
    return node?.kind === 'task' ? node : undefined;
  }
}
