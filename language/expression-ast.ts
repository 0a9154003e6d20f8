/**
 * Walks a parsed CEL expression for what the type checker does not see: which context
 * variables and `steps.<id>` it refers to (so the validator can check step order), and the
 * constructs this project forbids because they can take unbounded time.
 */
import type { ASTNode } from '@marcbachmann/cel-js';

export interface SourceSpan {
  start: number;
  end: number;
}
export interface StepReference extends SourceSpan {
  id: string;
}
export interface ExpressionIssue extends SourceSpan {
  message: string;
}

export interface ExpressionFacts {
  /** Free variables the expression reads (account, health, …), with where they occur. */
  variables: Map<string, SourceSpan>;
  /** `steps.<id>` and `steps["<id>"]` references. */
  stepRefs: StepReference[];
  /** Constructs rejected by policy. */
  issues: ExpressionIssue[];
}

const comprehensions = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
/** Nested comprehensions multiply their cost; two levels cover real conditions. */
const maxComprehensionNesting = 2;

const span = (node: ASTNode): SourceSpan => ({ start: node.start, end: node.end });

export function expressionFacts(root: ASTNode): ExpressionFacts {
  const facts: ExpressionFacts = { variables: new Map(), stepRefs: [], issues: [] };

  const visit = (node: ASTNode, bound: ReadonlySet<string>, nesting: number): void => {
    switch (node.op) {
      case 'value':
        return;
      case 'id':
        if (!bound.has(node.args) && !facts.variables.has(node.args))
          facts.variables.set(node.args, span(node));
        return;
      case '.':
      case '.?': {
        const [target, field] = node.args;
        if (target.op === 'id' && target.args === 'steps' && !bound.has('steps'))
          facts.stepRefs.push({ id: field, ...span(node) });
        return visit(target, bound, nesting);
      }
      case '[]':
      case '[?]': {
        const [target, index] = node.args;
        if (target.op === 'id' && target.args === 'steps' && !bound.has('steps')) {
          if (index.op === 'value' && typeof index.args === 'string')
            facts.stepRefs.push({ id: index.args, ...span(node) });
          else
            facts.issues.push({
              message: 'name the step directly, as steps.<id>, so the validator can check that it exists',
              ...span(index),
            });
        }
        visit(target, bound, nesting);
        return visit(index, bound, nesting);
      }
      case 'call': {
        const [name, args] = node.args;
        if (name === 'matches') facts.issues.push({ message: forbiddenMatches, ...span(node) });
        for (const arg of args) visit(arg, bound, nesting);
        return;
      }
      case 'rcall': {
        const [name, receiver, args] = node.args;
        if (name === 'matches') facts.issues.push({ message: forbiddenMatches, ...span(node) });
        if (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel') {
          facts.issues.push({
            message: 'cel.bind is not available in playbook expressions; repeat the sub-expression instead',
            ...span(node),
          });
          return;
        }
        visit(receiver, bound, nesting);
        const first = args[0];
        if (comprehensions.has(name) && first?.op === 'id') {
          if (nesting + 1 > maxComprehensionNesting) {
            facts.issues.push({
              message: `at most ${maxComprehensionNesting} nested list functions (all, exists, map, filter) are allowed`,
              ...span(node),
            });
            return;
          }
          const inner = new Set(bound).add(first.args);
          const second = args[1];
          if (args.length === 3 && second?.op === 'id' && name !== 'map' && name !== 'filter')
            inner.add(second.args);
          for (const arg of args.slice(1)) visit(arg, inner, nesting + 1);
          return;
        }
        for (const arg of args) visit(arg, bound, nesting);
        return;
      }
      case 'list':
        for (const item of node.args) visit(item, bound, nesting);
        return;
      case 'map':
        for (const [key, value] of node.args) {
          visit(key, bound, nesting);
          visit(value, bound, nesting);
        }
        return;
      case '?:':
        for (const part of node.args) visit(part, bound, nesting);
        return;
      case '!_':
      case '-_':
        return visit(node.args, bound, nesting);
      default:
        for (const part of node.args) visit(part, bound, nesting);
    }
  };

  visit(root, new Set(), 0);
  return facts;
}

const forbiddenMatches =
  'matches() is not available: a regular expression can take unbounded time; use contains, startsWith or endsWith';
