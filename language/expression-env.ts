/**
 * The CEL environment playbook expressions run in: the variables of `ExpressionContext` with
 * their field types, so the validator rejects `account.nmae` or `health.score < "40"` before a
 * playbook goes live. Sandbox-safe (no Node built-ins; the library uses no eval/new Function).
 *
 * Numbers: every number in the context is a CEL `double` (JSON has one number type), and
 * integer literals in expressions are CEL `int`. CEL already orders double against int
 * (`health.score < 40`); the operators below add equality and arithmetic between the two,
 * so `health.score == 40` and `account.mrr * 12 > 10000` mean what an author expects.
 */
import { Environment } from '@marcbachmann/cel-js';
import type { AccountView, EventView, HealthView, RunView, StepView } from './context.js';

type Fields<T> = { readonly [K in keyof T]-?: string };

/** Field types per context view; `satisfies` keeps them in step with context.ts. */
export const viewFields = {
  AccountView: {
    id: 'string',
    name: 'string',
    segment: 'string',
    plan: 'string',
    mrr: 'double',
    lifecycle: 'string',
    csm: 'string',
    daysSinceStart: 'double',
    daysToRenewal: 'double',
    attributes: 'map<string, dyn>',
  } satisfies Fields<AccountView>,
  HealthView: { score: 'double', band: 'string' } satisfies Fields<HealthView>,
  StepView: { status: 'string', outcome: 'string' } satisfies Fields<StepView>,
  RunView: {
    id: 'string',
    playbookId: 'string',
    version: 'double',
    daysSinceStart: 'double',
    control: 'bool',
  } satisfies Fields<RunView>,
  EventView: { name: 'string', data: 'map<string, dyn>' } satisfies Fields<EventView>,
} as const;

/** Top-level variables and their CEL types. */
export const contextVariables = {
  account: 'AccountView',
  health: 'HealthView',
  previous: 'HealthView',
  steps: 'map<string, StepView>',
  run: 'RunView',
  event: 'EventView',
} as const;

/**
 * Runtime shape of a `steps.<id>` entry. The library converts plain objects to registered
 * types only for top-level variables, so map values are wrapped in this class explicitly.
 */
export class StepViewValue {
  constructor(
    readonly status: string,
    readonly outcome: string,
  ) {}
}

/** Structural limits checked while parsing, so hostile expressions stay cheap. */
export const expressionLimits = {
  maxAstNodes: 256,
  maxDepth: 32,
  maxListElements: 100,
  maxMapEntries: 100,
  maxCallArguments: 8,
} as const;

function numericOperators(env: Environment): Environment {
  env.registerOperator('double == int', (a: number, b: bigint) => a === Number(b));
  const arithmetic = {
    '+': (a: number, b: number) => a + b,
    '-': (a: number, b: number) => a - b,
    '*': (a: number, b: number) => a * b,
    '/': (a: number, b: number) => a / b,
  };
  for (const [op, apply] of Object.entries(arithmetic)) {
    env.registerOperator(`double ${op} int: double`, (a: number, b: bigint) => apply(a, Number(b)));
    env.registerOperator(`int ${op} double: double`, (a: bigint, b: number) => apply(Number(a), b));
  }
  return env;
}

export function createExpressionEnvironment(): Environment {
  const env = new Environment({ limits: { ...expressionLimits }, homogeneousAggregateLiterals: true });
  for (const [name, fields] of Object.entries(viewFields)) {
    if (name === 'StepView') env.registerType(name, { ctor: StepViewValue, fields: { ...fields } });
    else env.registerType(name, { fields: { ...fields } });
  }
  for (const [name, type] of Object.entries(contextVariables)) env.registerVariable(name, type);
  return numericOperators(env);
}
