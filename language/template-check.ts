/**
 * Static checks on a parsed Handlebars template, so that a typo such as `{{acount.name}}` or a
 * `{{{ }}}` that would switch off HTML escaping is rejected when the playbook is validated,
 * not discovered in a customer's inbox. Works on Handlebars' AST; no rendering involved.
 */
import { TEMPLATE_VARIABLES, type VariableShape } from './context.js';
import { templateHelpers } from './template-helpers.js';

/** Handlebars' own block helpers that are safe here (no partials, no `log`). */
const BUILTIN_HELPERS = ['if', 'unless', 'each', 'with', 'lookup'];
/** Helpers that run their block against a different `this`: paths inside are not checked. */
const CONTEXT_CHANGING = new Set(['each', 'with']);

export const KNOWN_HELPERS = [...BUILTIN_HELPERS, ...Object.keys(templateHelpers)];

export interface TemplateIssue {
  code:
    | 'template.unescaped'
    | 'template.unknown_field'
    | 'template.unknown_helper'
    | 'template.unsupported'
    | 'template.prototype_access';
  message: string;
  /** 1-based, relative to the checked source. */
  line: number;
  column: number;
}

type Node = hbs.AST.Node;

function closest(name: string, candidates: string[]): string | undefined {
  // A cheap "did you mean": same first letter and similar length is enough for typos.
  return candidates.find((c) => c[0] === name[0] && Math.abs(c.length - name.length) <= 2);
}

function checkPath(path: hbs.AST.PathExpression, variables: VariableShape, issues: TemplateIssue[]): void {
  // @index, @root.x, ../x and `this` depend on the block they sit in; Handlebars' strict mode
  // still catches them at render (preview) time.
  if (path.data || path.depth > 0 || path.parts.length === 0) return;
  let shape: VariableShape = variables;
  const walked: string[] = [];
  for (const [index, part] of path.parts.entries()) {
    if (shape === '*') return;
    if (shape === true) {
      issues.push(
        issue('template.unknown_field', `"${walked.join('.')}" is a value, it has no field "${part}".`, path),
      );
      return;
    }
    const keys = Object.keys(shape);
    // Own keys only: `{{constructor}}` or `{{__proto__}}` are not variables, whatever `in` says.
    if (!Object.hasOwn(shape, part)) {
      const where = walked.length === 0 ? 'Templates can use' : `"${walked.join('.')}" has`;
      const hint = closest(part, keys);
      issues.push(
        issue(
          'template.unknown_field',
          `Unknown variable "${path.original}".${hint ? ` Did you mean "${[...walked, hint, ...path.parts.slice(index + 1)].join('.')}"?` : ''} ${where}: ${keys.join(', ')}.`,
          path,
        ),
      );
      return;
    }
    shape = shape[part];
    walked.push(part);
  }
}

function issue(code: TemplateIssue['code'], message: string, node: Node): TemplateIssue {
  return { code, message, line: node.loc?.start.line ?? 1, column: (node.loc?.start.column ?? 0) + 1 };
}

function isPath(node: Node): node is hbs.AST.PathExpression {
  return node.type === 'PathExpression';
}

/**
 * @param html true for the HTML body, where `{{{ }}}` is refused; subject and text parts are
 *   rendered without HTML escaping anyway, so triple braces change nothing there.
 * @param variables what the template will be rendered with: an email's (the default) or an
 *   inline text's (INLINE_TEXT_VARIABLES).
 */
export function checkTemplateAst(
  program: hbs.AST.Program,
  html: boolean,
  variables: VariableShape = TEMPLATE_VARIABLES,
): TemplateIssue[] {
  const issues: TemplateIssue[] = [];

  const expression = (node: Node, scoped: boolean): void => {
    if (isPath(node)) {
      if (!scoped) checkPath(node, variables, issues);
    } else if (node.type === 'SubExpression') {
      call(node as hbs.AST.SubExpression, scoped);
    }
  };

  const call = (
    node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression,
    scoped: boolean,
  ): void => {
    const hasArgs = node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0;
    const name = isPath(node.path) ? node.path.original : '';
    if (hasArgs || node.type !== 'MustacheStatement') {
      if (!KNOWN_HELPERS.includes(name)) {
        issues.push(
          issue(
            'template.unknown_helper',
            `Unknown helper "${name}". Available helpers: ${KNOWN_HELPERS.join(', ')}.`,
            node.path,
          ),
        );
      }
    } else if (isPath(node.path) && !KNOWN_HELPERS.includes(name)) {
      expression(node.path, scoped);
    }
    for (const param of node.params) expression(param, scoped);
    for (const pair of node.hash?.pairs ?? []) expression(pair.value, scoped);
  };

  const statements = (body: hbs.AST.Statement[], scoped: boolean): void => {
    for (const node of body) {
      switch (node.type) {
        case 'MustacheStatement': {
          const m = node as hbs.AST.MustacheStatement;
          if (html && !m.escaped) {
            issues.push(
              issue(
                'template.unescaped',
                'Triple braces {{{ }}} (and {{& }}) insert text without HTML escaping; use double braces {{ }} so customer data cannot inject HTML.',
                m,
              ),
            );
          }
          call(m, scoped);
          break;
        }
        case 'BlockStatement': {
          const b = node as hbs.AST.BlockStatement;
          call(b, scoped);
          const inner = scoped || CONTEXT_CHANGING.has(b.path.original);
          if (b.program) statements(b.program.body, inner);
          // `{{else}}` of `each` runs in the outer context.
          if (b.inverse) statements(b.inverse.body, scoped);
          break;
        }
        case 'PartialStatement':
        case 'PartialBlockStatement':
        case 'DecoratorBlock':
        case 'Decorator':
          issues.push(
            issue(
              'template.unsupported',
              'Partials and decorators ({{> }}, {{* }}) are not supported in email templates.',
              node,
            ),
          );
          break;
        default:
          break; // content and comments
      }
    }
  };

  statements(program.body, false);
  return withPrototypeAccess(issues, program);
}

/** Names that reach an object's prototype (and through it every object's), never a value. */
const PROTOTYPE_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Paths with a `__proto__`, `constructor` or `prototype` segment, and `lookup` given one of them
 * as its key, wherever they sit (inside `each` and `with` too, and under `account.attributes`,
 * whose keys are otherwise free): no template needs them, and they are how prototype pollution
 * starts. Handlebars' render blocks them and prints nothing; the validator says why, at the line.
 */
function prototypeAccessIssues(program: hbs.AST.Program): TemplateIssue[] {
  const found: TemplateIssue[] = [];
  const refuse = (name: string, what: string, node: Node) =>
    found.push(
      issue(
        'template.prototype_access',
        `${what} reads "${name}", which reaches an object's prototype instead of a value; templates cannot use __proto__, constructor or prototype.`,
        node,
      ),
    );
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    const node = value as Node & Record<string, unknown>;
    if (isPath(node)) {
      const name = node.parts.find((part) => PROTOTYPE_NAMES.has(part));
      if (name) refuse(name, `"${node.original}"`, node);
      return;
    }
    const call = node as Partial<hbs.AST.SubExpression>;
    if (call.path && isPath(call.path) && call.path.original === 'lookup')
      for (const param of call.params ?? [])
        if (param.type === 'StringLiteral' && PROTOTYPE_NAMES.has((param as hbs.AST.StringLiteral).value))
          refuse((param as hbs.AST.StringLiteral).value, '"lookup"', param);
    for (const [key, child] of Object.entries(node)) if (key !== 'loc') visit(child);
  };
  visit(program.body);
  return found;
}

/**
 * The checks' issues with the prototype ones merged in, in file order. An unknown_field at the
 * same place says the same thing less clearly, so it gives way.
 */
function withPrototypeAccess(issues: TemplateIssue[], program: hbs.AST.Program): TemplateIssue[] {
  const found = prototypeAccessIssues(program);
  if (found.length === 0) return issues;
  const at = (i: TemplateIssue) => `${i.line}:${i.column}`;
  const places = new Set(found.map(at));
  return [
    ...issues.filter((i) => !(i.code === 'template.unknown_field' && places.has(at(i)))),
    ...found,
  ].sort((a, b) => a.line - b.line || a.column - b.column);
}
