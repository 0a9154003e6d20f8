/**
 * Playbook expressions: CEL, parsed and type-checked when a playbook is validated, evaluated
 * inside the workflow sandbox to plain JSON. CEL is non-Turing-complete and deterministic;
 * the library interprets its own AST (no eval, no new Function, no Node built-ins).
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import type { ExpressionContext } from './context.js';
import { expressionFacts, type StepReference } from './expression-ast.js';
import { createExpressionEnvironment, StepViewValue } from './expression-env.js';
import { explainCelError, plainType } from './expression-messages.js';
import { toPlainJson, type JsonValue } from './plain-json.js';

export type { StepReference } from './expression-ast.js';
export type { JsonValue } from './plain-json.js';

/** Longer expressions belong in several steps; the bound also caps parsing cost. */
export const maxExpressionLength = 2000;

export interface ExpressionError {
  code: 'expr.syntax' | 'expr.type' | 'expr.unsupported';
  message: string;
  /** Offset of the problem in the expression text (0-based), when known. */
  offset?: number;
}

export type ExpressionCheck =
  | {
      ok: true;
      /** The CEL result type, e.g. bool, double, string, dyn. */
      type: string;
      /** Context variables read (account, health, previous, steps, run, event). */
      variables: string[];
      stepRefs: StepReference[];
    }
  | { ok: false; errors: ExpressionError[] };

export interface CheckOptions {
  /** A condition must yield true or false. */
  expect?: 'bool';
}

type Compiled = ReturnType<ReturnType<typeof createExpressionEnvironment>['parse']>;
interface CacheEntry {
  compiled?: Compiled;
  check: ExpressionCheck;
}

const env = createExpressionEnvironment();
const cache = new Map<string, CacheEntry>();
const maxCacheEntries = 1000;

function compile(source: string): CacheEntry {
  const hit = cache.get(source);
  if (hit) return hit;
  const entry = compileUncached(source);
  // Playbooks hold few distinct expressions; a full reset keeps memory bounded without LRU.
  if (cache.size >= maxCacheEntries) cache.clear();
  cache.set(source, entry);
  return entry;
}

function compileUncached(source: string): CacheEntry {
  if (typeof source !== 'string' || source.trim() === '') {
    return { check: { ok: false, errors: [{ code: 'expr.syntax', message: 'the expression is empty' }] } };
  }
  if (source.length > maxExpressionLength) {
    const message = `the expression is longer than ${maxExpressionLength} characters; split it into several steps`;
    return { check: { ok: false, errors: [{ code: 'expr.syntax', message }] } };
  }
  let compiled: Compiled;
  try {
    compiled = env.parse(source);
  } catch (error) {
    return { check: { ok: false, errors: [explainCelError(error, 'expr.syntax', undefined)] } };
  }
  const ast = compiled.ast as ASTNode;
  const facts = expressionFacts(ast);
  if (facts.issues.length > 0) {
    const errors = facts.issues.map((issue): ExpressionError => ({
      code: 'expr.unsupported',
      message: issue.message,
      offset: issue.start,
    }));
    return { check: { ok: false, errors } };
  }
  let result: ReturnType<Compiled['check']>;
  try {
    result = compiled.check();
  } catch (error) {
    return { check: { ok: false, errors: [explainCelError(error, 'expr.type', ast)] } };
  }
  if (!result.valid)
    return { check: { ok: false, errors: [explainCelError(result.error, 'expr.type', ast)] } };
  return {
    compiled,
    check: {
      ok: true,
      type: String(result.type),
      variables: [...facts.variables.keys()],
      stepRefs: facts.stepRefs,
    },
  };
}

/** Parses and type-checks an expression against the `ExpressionContext` types. Never throws. */
export function checkExpression(source: string, options: CheckOptions = {}): ExpressionCheck {
  const { check } = compile(source);
  if (check.ok && options.expect === 'bool' && check.type !== 'bool' && check.type !== 'dyn') {
    const message = `a condition must be true or false, but this gives ${plainType(check.type)}`;
    return { ok: false, errors: [{ code: 'expr.type', message, offset: 0 }] };
  }
  return check;
}

/** Raised when an expression fails at run time, e.g. a missing attribute or a division by zero. */
export class ExpressionEvaluationError extends Error {
  override readonly name = 'ExpressionEvaluationError';
  constructor(
    readonly expression: string,
    message: string,
  ) {
    super(`${message} (in: ${expression})`);
  }
}

/** The library converts plain objects to registered types only at the top level. */
function toCelContext(context: ExpressionContext): Record<string, unknown> {
  const steps: Record<string, StepViewValue> = {};
  for (const [id, view] of Object.entries(context.steps ?? {}))
    steps[id] = new StepViewValue(view.status, view.outcome);
  return { ...context, steps };
}

function run(source: string, context: ExpressionContext): unknown {
  const { compiled, check } = compile(source);
  if (!compiled || !check.ok) {
    const reason = check.ok ? 'it does not compile' : check.errors.map((e) => e.message).join('; ');
    throw new ExpressionEvaluationError(source, `invalid expression: ${reason}`);
  }
  try {
    return compiled(toCelContext(context));
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    throw new ExpressionEvaluationError(source, message);
  }
}

/** Evaluates to plain JSON (numbers, never BigInt). Throws ExpressionEvaluationError. */
export function evaluateExpression(source: string, context: ExpressionContext): JsonValue {
  return toPlainJson(run(source, context));
}

/** Evaluates a condition; anything but a boolean is an ExpressionEvaluationError. */
export function evaluateCondition(source: string, context: ExpressionContext): boolean {
  const value = run(source, context);
  if (typeof value !== 'boolean')
    throw new ExpressionEvaluationError(source, `the condition gave ${typeof value}, not true or false`);
  return value;
}
