/**
 * Checks a playbook's shape against the TypeBox schema, walking schema and data together so
 * that each error names one precise problem: steps are checked against the variant their kind
 * key selects (not against the union of all kinds), unknown keys get a "did you mean".
 */
import { Duration, Enrollment, Identifier, OutcomeName, Playbook, stepKinds } from './schema.js';
import { explainDuration } from './durations.js';
import type { DiagnosticCode } from './diagnostics.js';
import type { JsonPath } from './locate.js';
import type { Reporter } from './reporter.js';
import { closest, didYouMean } from './suggest.js';

/** The JSON Schema keywords TypeBox emits for this schema. */
interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  anyOf?: SchemaNode[];
  const?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  uniqueItems?: boolean;
  items?: SchemaNode;
  $ref?: string;
  description?: string;
}

const asNode = (schema: unknown): SchemaNode => schema as SchemaNode;
const holdoutPattern = asNode(Enrollment).properties?.holdout?.pattern;
const durationPattern = asNode(Duration).pattern;
const identifierPattern = asNode(Identifier).pattern;
const outcomePattern = asNode(OutcomeName).pattern;
const kindNames = Object.keys(stepKinds);

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A value as an author would name it, for "expected X, found Y" messages. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the text "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'number') return `the number ${value}`;
  return `${String(value)}`;
}

function describeType(schema: SchemaNode): string {
  if (schema.$ref) return 'a step';
  if (schema.const !== undefined) return `"${String(schema.const)}"`;
  if (schema.anyOf) return schema.anyOf.map(describeType).join(' or ');
  switch (schema.type) {
    case 'object':
      return 'a map';
    case 'array':
      return 'a list';
    case 'string':
      return 'text';
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    default:
      return 'a value';
  }
}

function matchesType(schema: SchemaNode, value: unknown): boolean {
  switch (schema.type) {
    case 'object':
      return isRecord(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

/** What the value at a path is called in messages. */
function nameOf(path: JsonPath): string {
  const last = path[path.length - 1];
  if (last === undefined) return 'the playbook';
  if (typeof last === 'number') {
    const list = path[path.length - 2];
    if (list === 'cases') return 'this case';
    if (list === 'steps' || list === 'then' || list === 'else' || list === 'default' || list === 'onTimeout')
      return 'this step';
    return `each item of "${String(list)}"`;
  }
  return `"${last}"`;
}

export class ShapeChecker {
  constructor(private readonly report: Reporter) {}

  playbook(value: unknown): void {
    this.check(asNode(Playbook), value, []);
  }

  private check(schema: SchemaNode, value: unknown, path: JsonPath): void {
    if (schema.$ref) return this.step(value, path);
    if (schema.anyOf) return this.union(schema, value, path);
    if (schema.type === 'integer' && typeof value === 'number' && !Number.isInteger(value)) {
      return this.report.error('type.mismatch', path, `${nameOf(path)} must be a whole number, not ${value}`);
    }
    if (!matchesType(schema, value)) return this.mismatch(schema, value, path);
    if (schema.type === 'object') return this.object(schema, value as Record<string, unknown>, path);
    if (schema.type === 'array') return this.array(schema, value as unknown[], path);
    if (schema.type === 'string') return this.string(schema, value as string, path);
    if (schema.type === 'integer' || schema.type === 'number')
      return this.number(schema, value as number, path);
  }

  private mismatch(schema: SchemaNode, value: unknown, path: JsonPath): void {
    if (schema.pattern === durationPattern && typeof value === 'number') {
      return this.report.error(
        'duration.invalid',
        path,
        `${nameOf(path)} needs a unit: write ${value}d for days, ${value}h for hours, …`,
      );
    }
    this.report.error(
      'type.mismatch',
      path,
      `${nameOf(path)} must be ${describeType(schema)}, not ${describeValue(value)}`,
    );
  }

  private union(schema: SchemaNode, value: unknown, path: JsonPath): void {
    const options = schema.anyOf ?? [];
    if (options.every((option) => option.const !== undefined)) {
      const allowed = options.map((option) => String(option.const));
      if (typeof value === 'string' && allowed.includes(value)) return;
      if (typeof value !== 'string') return this.mismatch({ type: 'string' }, value, path);
      const message = `${nameOf(path)} must be one of ${allowed.join(', ')}, not "${value}"${didYouMean(value, allowed)}`;
      return this.report.error('value.not_allowed', path, message);
    }
    const option = options.find((candidate) => matchesType(candidate, value));
    if (!option) return this.mismatch(schema, value, path);
    this.check(option, value, path);
  }

  private object(schema: SchemaNode, value: Record<string, unknown>, path: JsonPath): void {
    const properties = schema.properties ?? {};
    const known = Object.keys(properties);
    for (const key of Object.keys(value)) {
      if (key in properties) continue;
      const where = path.length === 0 ? 'a playbook' : nameOf(path);
      this.report.error(
        'key.unknown',
        [...path, key],
        `unknown key "${key}" in ${where}${didYouMean(key, known)}`,
        'key',
      );
    }
    for (const key of schema.required ?? []) {
      if (key in value) continue;
      const suggestion = closest(
        key,
        Object.keys(value).filter((k) => !(k in properties)),
      );
      // A misspelt required key is already reported as unknown with this suggestion.
      if (suggestion !== undefined) continue;
      this.report.error('field.missing', path, `${nameOf(path)} needs "${key}"`, 'key');
    }
    for (const [key, child] of Object.entries(value))
      if (key in properties) this.check(properties[key], child, [...path, key]);
  }

  private array(schema: SchemaNode, value: unknown[], path: JsonPath): void {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      return this.report.error(
        'list.empty',
        path,
        `${nameOf(path)} needs at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`,
      );
    }
    if (schema.uniqueItems) {
      const seen = new Set<string>();
      value.forEach((item, index) => {
        const key = JSON.stringify(item);
        if (seen.has(key))
          this.report.error(
            'list.duplicate',
            [...path, index],
            `${describeValue(item)} appears twice in ${nameOf(path)}`,
          );
        seen.add(key);
      });
    }
    value.forEach((item, index) => this.check(schema.items ?? {}, item, [...path, index]));
  }

  private string(schema: SchemaNode, value: string, path: JsonPath): void {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      return this.report.error('value.length', path, `${nameOf(path)} must not be empty`);
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      return this.report.error(
        'value.length',
        path,
        `${nameOf(path)} is longer than ${schema.maxLength} characters`,
      );
    }
    if (schema.pattern === undefined || new RegExp(schema.pattern).test(value)) return;
    const [code, message] = this.patternProblem(schema, value, path);
    this.report.error(code, path, message);
  }

  private patternProblem(schema: SchemaNode, value: string, path: JsonPath): [DiagnosticCode, string] {
    if (schema.pattern === durationPattern) return ['duration.invalid', explainDuration(value)];
    if (schema.pattern === holdoutPattern) {
      const percent = /^\s*(-?[0-9]+(\.[0-9]+)?)\s*%\s*$/.exec(value);
      if (!percent) return ['percentage.invalid', `"${value}" is not a percentage; write it like 10%`];
      return [
        'holdout.range',
        `holdout must be between 0% and 50% of eligible accounts, not ${value.trim()}`,
      ];
    }
    if (schema.pattern === identifierPattern || schema.pattern === outcomePattern) {
      const rule =
        schema.pattern === outcomePattern
          ? 'lower-case letters, digits and "_"'
          : 'lower-case letters, digits, "-" and "_"';
      return [
        'id.invalid',
        `"${value}" is not a valid name for ${nameOf(path)}: use ${rule}, starting with a letter`,
      ];
    }
    return [
      'value.invalid',
      `"${value}" is not valid for ${nameOf(path)}${schema.description ? `: ${schema.description}` : ''}`,
    ];
  }

  private number(schema: SchemaNode, value: number, path: JsonPath): void {
    if (
      (schema.minimum !== undefined && value < schema.minimum) ||
      (schema.maximum !== undefined && value > schema.maximum)
    ) {
      this.report.error(
        'value.range',
        path,
        `${nameOf(path)} must be between ${schema.minimum ?? '-∞'} and ${schema.maximum ?? '∞'}, not ${value}`,
      );
    }
  }

  /** A step is checked against the one variant its kind key names. */
  private step(value: unknown, path: JsonPath): void {
    if (!isRecord(value)) {
      return this.report.error(
        'type.mismatch',
        path,
        `a step must be a map such as "- wait: 2d", not ${describeValue(value)}`,
      );
    }
    const kinds = Object.keys(value).filter((key) => key in stepKinds);
    if (kinds.length === 0) {
      const candidate = Object.keys(value).find((key) => key !== 'id' && key !== 'then' && key !== 'else');
      if (candidate === undefined) {
        return this.report.error(
          'step.unknown_kind',
          path,
          `this step has no kind; use one of ${kindNames.join(', ')}`,
        );
      }
      const message = `unknown step kind "${candidate}"${didYouMean(candidate, kindNames)}; a step is one of ${kindNames.join(', ')}`;
      return this.report.error('step.unknown_kind', [...path, candidate], message, 'key');
    }
    if (kinds.length > 1) {
      const message = `a step has one kind, but this one has ${kinds.join(' and ')}; split it into ${kinds.length} steps`;
      return this.report.error('step.multiple_kinds', [...path, kinds[1]], message, 'key');
    }
    this.check(asNode(stepKinds[kinds[0] as keyof typeof stepKinds]), value, path);
  }
}
