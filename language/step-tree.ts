/**
 * The steps of a (possibly invalid) playbook in run order, with their JSON paths, so rules can
 * reason about ids, references and reachability without trusting the data's shape. The one walk
 * over the step tree and the one path format: the interpreter names and enters branches with
 * the same paths, so a step's id at run time is its path here.
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

/**
 * Where a step's nested step lists sit, relative to the step's own path: spelled once, for the
 * validator's walk over the document and the interpreter's walk at run time.
 */
export const branchPath = {
  then: (step: JsonPath): JsonPath => [...step, 'then'],
  else: (step: JsonPath): JsonPath => [...step, 'else'],
  case: (step: JsonPath, index: number): JsonPath => [...step, 'switch', 'cases', index, 'then'],
  default: (step: JsonPath): JsonPath => [...step, 'switch', 'default'],
  onTimeout: (step: JsonPath): JsonPath => [...step, 'waitFor', 'onTimeout'],
};

/** A path as people read it, following the playbook's keys: `steps[3].switch.cases[1].then[0]`. */
export function pathText(path: JsonPath): string {
  return path
    .map((segment, i) => (typeof segment === 'number' ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join('');
}

/**
 * The id a step is known by at run time (`steps.<id>`, the run's current step, the audit, task
 * and outbox keys): its own, or, for a step without one, its path.
 */
export function stepIdAt(step: { id?: unknown }, path: JsonPath): string {
  return typeof step.id === 'string' ? step.id : pathText(path);
}

/** The nested step lists of a step, with their paths (then/else, cases, default, onTimeout). */
export function childLists(node: StepNode): { steps: unknown; path: JsonPath }[] {
  const { step, path } = node;
  switch (node.kind) {
    case 'if':
      return [
        { steps: step.then, path: branchPath.then(path) },
        { steps: step.else, path: branchPath.else(path) },
      ];
    case 'switch': {
      const body = step.switch;
      if (!isRecord(body)) return [];
      const cases = Array.isArray(body.cases) ? body.cases : [];
      return [
        ...cases.map((c, i) => ({
          steps: isRecord(c) ? c.then : undefined,
          path: branchPath.case(path, i),
        })),
        { steps: body.default, path: branchPath.default(path) },
      ];
    }
    case 'waitFor':
      return isRecord(step.waitFor)
        ? [{ steps: step.waitFor.onTimeout, path: branchPath.onTimeout(path) }]
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
