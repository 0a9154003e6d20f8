/**
 * Turns the CEL library's errors into messages a CS-ops author understands: numbers instead of
 * double/int, the field that does not exist with a suggestion, no stack of compiler jargon.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { contextVariables, viewFields } from './expression-env.js';
import type { ExpressionError } from './expressions.js';
import { didYouMean } from './suggest.js';

interface CelErrorLike {
  code?: string;
  summary?: string;
  message?: string;
  range?: { start: number; end: number };
}

/** A CEL type in plain words. */
export function plainType(type: string): string {
  if (type === 'double' || type === 'int' || type === 'uint') return 'a number';
  if (type === 'string') return 'text';
  if (type === 'bool') return 'true/false';
  if (type.startsWith('list')) return 'a list';
  if (type.startsWith('map')) return 'a map';
  if (type === 'null_type') return 'null';
  if (type.endsWith('View')) return `a record (${type.slice(0, -4).toLowerCase()})`;
  return type;
}

const plainTypesIn = (text: string): string =>
  text.replace(/\b(u?int|double|string|bool|null_type|list<[^>]*>|map<[^>]*>)\b/g, (t) => plainType(t));

/** Fields of the value a `.field` access was applied to, when it is a known context record. */
function fieldsOf(target: ASTNode): readonly string[] {
  if (target.op === 'id' && target.args in contextVariables) {
    const type = contextVariables[target.args as keyof typeof contextVariables];
    return type in viewFields ? Object.keys(viewFields[type as keyof typeof viewFields]) : [];
  }
  const isStep = (node: ASTNode) => node.op === 'id' && node.args === 'steps';
  if ((target.op === '.' && isStep(target.args[0])) || (target.op === '[]' && isStep(target.args[0])))
    return Object.keys(viewFields.StepView);
  return [];
}

function findAccess(node: ASTNode, field: string, end: number): ASTNode | undefined {
  if (node.op === '.' && node.args[1] === field && node.end === end) return node.args[0];
  const args: unknown = node.args;
  const children: unknown[] = Array.isArray(args) ? args.flat(2) : [args];
  for (const child of children) {
    if (child && typeof child === 'object' && 'op' in child) {
      const found = findAccess(child as ASTNode, field, end);
      if (found) return found;
    }
  }
  return undefined;
}

function noSuchKey(summary: string, error: CelErrorLike, ast: ASTNode | undefined): string {
  const field = summary.replace(/^No such key:\s*/, '');
  const target = ast && error.range ? findAccess(ast, field, error.range.end) : undefined;
  if (!target) return `there is no field "${field}"`;
  const owner = ast?.input.slice(target.start, target.end) ?? 'this value';
  const fields = fieldsOf(target);
  const known = fields.length > 0 ? `; its fields are ${fields.join(', ')}` : '';
  return `${owner} has no field "${field}"${didYouMean(field, fields)}${known}`;
}

export function explainCelError(
  error: unknown,
  fallbackCode: ExpressionError['code'],
  ast: ASTNode | undefined,
): ExpressionError {
  const e = (error && typeof error === 'object' ? error : {}) as CelErrorLike;
  const summary = e.summary ?? (e.message ?? String(error)).split('\n')[0] ?? 'invalid expression';
  const offset = e.range?.start;
  let message: string;
  switch (e.code) {
    case 'unknown_variable': {
      const name = summary.replace(/^Unknown variable:\s*/, '');
      const names = Object.keys(contextVariables);
      message = `unknown variable "${name}"${didYouMean(name, names)}; expressions can use ${names.join(', ')}`;
      break;
    }
    case 'no_such_key':
      message = noSuchKey(summary, e, ast);
      break;
    case 'no_such_overload': {
      const binary = /^no such overload: (\S+) (\S+) (\S+)$/.exec(summary);
      const unary = /^no such overload: ([!-])(\S+)$/.exec(summary);
      if (binary)
        message = `cannot use ${binary[2]} between ${plainType(binary[1])} and ${plainType(binary[3])}`;
      else if (unary) message = `cannot use ${unary[1]} on ${plainType(unary[2])}`;
      else message = plainTypesIn(summary);
      break;
    }
    case 'no_matching_overload':
      message = plainTypesIn(summary.replace(/^found no matching overload for/, 'no function matches'));
      break;
    case 'invalid_logical_operand':
      message = plainTypesIn(
        summary.replace(
          /^Logical operator requires bool operands, got/,
          '&& and || need true/false on both sides, got',
        ),
      );
      break;
    case 'limit_exceeded':
      message = `the expression is too complex (${summary.replace(/^Exceeded /, 'over ')})`;
      break;
    default:
      message = summary === 'Unexpected token: EOF' ? 'the expression ends too early' : plainTypesIn(summary);
  }
  return offset === undefined ? { code: fallbackCode, message } : { code: fallbackCode, message, offset };
}
