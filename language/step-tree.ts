/**
 * The steps of a (possibly invalid) playbook in run order, with their JSON paths, so rules can
 * reason about ids, references and reachability without trusting the data's shape.
 */
import type { JsonPath } from './locate.js';
import { stepKinds, type StepKind } from './schema.js';
import { isRecord } from './rules-shape.js';

export interface StepNode {
  step: Record<string, unknown>;
  path: JsonPath;
  kind?: StepKind;
  id?: string;
}

export function stepKindOf(step: Record<string, unknown>): StepKind | undefined {
  const kinds = Object.keys(step).filter((key) => key in stepKinds);
  return kinds.length === 1 ? (kinds[0] as StepKind) : undefined;
}

/** The nested step lists of a step, with their paths (then/else, cases, default, onTimeout). */
export function childLists(node: StepNode): { steps: unknown; path: JsonPath }[] {
  const { step, path } = node;
  switch (node.kind) {
    case 'if':
      return [
        { steps: step.then, path: [...path, 'then'] },
        { steps: step.else, path: [...path, 'else'] },
      ];
    case 'switch': {
      const body = step.switch;
      if (!isRecord(body)) return [];
      const cases = Array.isArray(body.cases) ? body.cases : [];
      return [
        ...cases.map((c, i) => ({
          steps: isRecord(c) ? c.then : undefined,
          path: [...path, 'switch', 'cases', i, 'then'],
        })),
        { steps: body.default, path: [...path, 'switch', 'default'] },
      ];
    }
    case 'waitFor':
      return isRecord(step.waitFor)
        ? [{ steps: step.waitFor.onTimeout, path: [...path, 'waitFor', 'onTimeout'] }]
        : [];
    default:
      return [];
  }
}

/** The steps of one list (not nested ones), skipping items that are not maps. */
export function stepList(steps: unknown, path: JsonPath): StepNode[] {
  if (!Array.isArray(steps)) return [];
  const nodes: StepNode[] = [];
  steps.forEach((step, index) => {
    if (!isRecord(step)) return;
    const id = typeof step.id === 'string' ? step.id : undefined;
    nodes.push({ step, path: [...path, index], kind: stepKindOf(step), id });
  });
  return nodes;
}

/** Every step, depth first in document order (which is run order within a branch). */
export function allSteps(steps: unknown, path: JsonPath = ['steps']): StepNode[] {
  const out: StepNode[] = [];
  const visit = (list: unknown, listPath: JsonPath) => {
    for (const node of stepList(list, listPath)) {
      out.push(node);
      for (const child of childLists(node)) visit(child.steps, child.path);
    }
  };
  visit(steps, path);
  return out;
}

/**
 * Whether step `earlier` can have run before step `later` starts: it comes first in the same
 * sequence (or inside a step that does) and is not in a branch exclusive with `later`'s, and
 * does not contain `later` (an enclosing step has not finished).
 */
export function canHaveRunBefore(earlier: JsonPath, later: JsonPath): boolean {
  let i = 0;
  while (i < earlier.length && i < later.length && earlier[i] === later[i]) i++;
  if (i === earlier.length) return false; // same step, or an enclosing one
  if (i === later.length) return false; // `later` encloses `earlier`
  const a = earlier[i];
  const b = later[i];
  if (typeof a === 'number' && typeof b === 'number') {
    // Sibling steps run in order; sibling switch cases exclude each other.
    return later[i - 1] !== 'cases' && a < b;
  }
  return false; // then vs else, a case vs default: only one branch runs
}
