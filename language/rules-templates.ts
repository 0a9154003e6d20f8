/**
 * Template rules: email and notify templates must exist and be free of errors, and inline
 * templates (task title and description, notify message) must parse, call known helpers and
 * read only what they are rendered with (INLINE_TEXT_VARIABLES, language/context.ts).
 */
import Handlebars from 'handlebars';
import type { DiagnosticCode } from './diagnostics.js';
import type { JsonPath } from './locate.js';
import type { Reporter } from './reporter.js';
import { isRecord } from './rules-shape.js';
import type { StepNode } from './step-tree.js';
import { INLINE_TEXT_VARIABLES } from './context.js';
import { checkTemplateAst } from './template-check.js';
import type { TemplateCatalog } from './template-catalog.js';
import { didYouMean } from './suggest.js';

/** Character offset of a 1-based line and column in `text`. */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let i = 1; i < line; i++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) break;
    offset = next + 1;
  }
  return offset + Math.max(0, column - 1);
}

/** Handlebars' parser errors are grammar jargon; keep the position, say it plainly. */
function explainSyntaxError(error: unknown, text: string): { offset: number; message: string } {
  const raw = error instanceof Error ? error.message : String(error);
  const line = Number(/on line (\d+)/.exec(raw)?.[1] ?? 1);
  const last = raw.trim().split('\n').pop() ?? raw;
  const message = /got 'EOF'/.test(last)
    ? 'the template ends inside {{ }} or before a {{#block}} is closed with {{/block}}'
    : /got 'INVALID'/.test(last)
      ? 'a {{ }} is not closed or contains characters that are not allowed'
      : `template syntax error: ${last}`;
  return { offset: offsetOf(text, line, 1), message };
}

export function checkInlineTemplate(report: Reporter, path: JsonPath, text: unknown): void {
  if (typeof text !== 'string' || !text.includes('{{')) return;
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(text);
  } catch (error) {
    const { offset, message } = explainSyntaxError(error, text);
    report.errorInString('template.syntax', path, offset, message);
    return;
  }
  for (const issue of checkTemplateAst(program, false, INLINE_TEXT_VARIABLES)) {
    const code: DiagnosticCode = issue.code === 'template.unescaped' ? 'template.syntax' : issue.code;
    report.errorInString(code, path, offsetOf(text, issue.line, issue.column), issue.message);
  }
}

export class TemplateRules {
  private readonly problems = new Map<string, string[]>();

  constructor(
    private readonly report: Reporter,
    private readonly catalog: TemplateCatalog,
  ) {}

  private fileProblems(name: string): string[] {
    let found = this.problems.get(name);
    if (!found) {
      try {
        found = this.catalog.check(name);
      } catch (error) {
        found = [`the template could not be read: ${error instanceof Error ? error.message : String(error)}`];
      }
      this.problems.set(name, found);
    }
    return found;
  }

  private reference(path: JsonPath, name: unknown): void {
    if (typeof name !== 'string' || name === '') return;
    if (!this.catalog.has(name)) {
      const known = [...(this.catalog.names?.() ?? [])];
      this.report.error('template.unknown', path, `there is no template "${name}"${didYouMean(name, known)}`);
      return;
    }
    for (const problem of this.fileProblems(name))
      this.report.error('template.syntax', path, `template "${name}": ${problem}`);
  }

  step(node: StepNode): void {
    const { step, path } = node;
    if (node.kind === 'email' && isRecord(step.email))
      this.reference([...path, 'email', 'template'], step.email.template);
    if (node.kind === 'notify' && isRecord(step.notify)) {
      this.reference([...path, 'notify', 'template'], step.notify.template);
      checkInlineTemplate(this.report, [...path, 'notify', 'message'], step.notify.message);
    }
    if (node.kind === 'task' && isRecord(step.task)) {
      checkInlineTemplate(this.report, [...path, 'task', 'title'], step.task.title);
      checkInlineTemplate(this.report, [...path, 'task', 'description'], step.task.description);
    }
  }
}
