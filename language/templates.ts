/**
 * Email templates: `playbooks/templates/<name>.hbs`, YAML front matter (subject, text,
 * category) followed by a Handlebars HTML body. Parsing checks everything that can be checked
 * without data (syntax, unknown variables and helpers, unescaped output) and reports every
 * problem with its line; rendering turns a parsed template and a context into a message.
 * Inline texts (task title and description, notify message) render here too, with the same
 * Handlebars environment, helpers and rules as an email's plain-text parts.
 *
 * Sandbox-safe (no Node built-ins; Temporal's bundler resolves `handlebars` to its browser
 * build). Reading files is the caller's job. Safety rules:
 * - the HTML body is always HTML-escaped: `{{{ }}}` is rejected at parse time;
 * - subject and text are plain text (not HTML-escaped, so "R&D" stays "R&D");
 * - control characters (CR, LF, …) are removed from every string of customer data before
 *   rendering, and the subject is forced onto one line, so no data can inject a header.
 */
import Handlebars from 'handlebars';
import type { InlineTextContext, TemplateContext } from './context.js';
import { splitFrontMatter, type FrontMatterField } from './front-matter.js';
import { htmlToText } from './html-text.js';
import { checkTemplateAst, type TemplateIssue } from './template-check.js';
import { templateHelpers } from './template-helpers.js';

/**
 * Opt-out categories. Customers can unsubscribe from each one except `internal`, which is
 * for notifications to our own CSMs (notify steps).
 */
export const EMAIL_CATEGORIES = ['onboarding', 'product-tips', 'check-ins', 'renewal', 'internal'] as const;
export type EmailCategory = (typeof EMAIL_CATEGORIES)[number];

const FRONT_MATTER_KEYS = ['subject', 'text', 'category'];
const MAX_SUBJECT = 250;

export interface TemplateError {
  code:
    | 'template.front_matter'
    | 'template.subject_missing'
    | 'template.category'
    | 'template.syntax'
    | TemplateIssue['code'];
  message: string;
  /** 1-based line and column in the template file. */
  line: number;
  column: number;
}

export interface ParsedTemplate {
  name: string;
  category: EmailCategory;
  subject: Handlebars.TemplateDelegate;
  html: Handlebars.TemplateDelegate;
  /** Absent: the text part is derived from the HTML. */
  text?: Handlebars.TemplateDelegate;
}

export type ParseTemplateResult =
  { ok: true; template: ParsedTemplate } | { ok: false; errors: TemplateError[] };

/**
 * A template that cannot be rendered from this data: a field the data lacks (strict mode), a
 * helper given a bad value, a helper that does not exist. Rendering the same data again gives
 * the same error, so activities fail the step with it instead of retrying.
 */
export class TemplateRenderError extends Error {
  override readonly name = 'TemplateRenderError';
}

function renderError(what: string, err: unknown): TemplateRenderError {
  return new TemplateRenderError(`${what}: ${err instanceof Error ? err.message : String(err)}`);
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  category: EmailCategory;
}

// A private environment: our helpers never leak into (or get overridden by) another
// Handlebars user in the same process.
const env = Handlebars.create();
for (const [name, fn] of Object.entries(templateHelpers)) env.registerHelper(name, fn);

const HTML_OPTIONS: CompileOptions = { strict: true };
const PLAIN_OPTIONS: CompileOptions = { ...HTML_OPTIONS, noEscape: true };

/** Handlebars reports positions in the message ("Parse error on line 3:") or on the error. */
function syntaxError(err: unknown, lineOffset: number, fallbackColumn = 1): TemplateError {
  const e = err as { message?: string; lineNumber?: number; column?: number };
  const message = String(e.message ?? err);
  const line = e.lineNumber ?? Number(/on line (\d+)/.exec(message)?.[1] ?? 1);
  const expecting = /Expecting [^\n]*/.exec(message)?.[0];
  const summary = expecting
    ? `Template syntax error: ${expecting}`
    : `Template syntax error: ${message.split('\n')[0].replace(/ - \d+:\d+$/, '')}`;
  return {
    code: 'template.syntax',
    message: summary,
    line: line + lineOffset,
    column: e.column !== undefined ? e.column + 1 : fallbackColumn,
  };
}

/** Parses, statically checks and compiles one part; positions are shifted to file lines. */
function compilePart(
  source: string,
  lineOffset: number,
  html: boolean,
  errors: TemplateError[],
): Handlebars.TemplateDelegate | undefined {
  let ast: hbs.AST.Program;
  try {
    ast = env.parse(source);
  } catch (err) {
    errors.push(syntaxError(err, lineOffset));
    return undefined;
  }
  const issues = checkTemplateAst(ast, html);
  for (const i of issues) errors.push({ ...i, line: i.line + lineOffset });
  if (issues.length > 0) return undefined;
  return env.compile(ast, html ? HTML_OPTIONS : PLAIN_OPTIONS);
}

/** Line offset for a front-matter value: block scalars (`text: |`) start on the next line. */
function fieldOffset(field: FrontMatterField, raw: string): number {
  const keyLine = raw.split('\n')[field.line - 1] ?? '';
  return field.line - 1 + (/:\s*[|>][+-]?\s*$/.test(keyLine) ? 1 : 0);
}

export function parseTemplate(name: string, source: string): ParseTemplateResult {
  const split = splitFrontMatter(source);
  if ('errors' in split)
    return { ok: false, errors: split.errors.map((e) => ({ code: 'template.front_matter', ...e })) };
  const raw = source.replace(/\r\n?/g, '\n');
  const { fields, body, bodyLine } = split;
  const errors: TemplateError[] = [];

  for (const [key, field] of Object.entries(fields)) {
    if (!FRONT_MATTER_KEYS.includes(key)) {
      errors.push({
        code: 'template.front_matter',
        message: `Unknown front matter field "${key}"; allowed: ${FRONT_MATTER_KEYS.join(', ')}.`,
        line: field.line,
        column: 1,
      });
    } else if (typeof field.value !== 'string') {
      errors.push({
        code: 'template.front_matter',
        message: `"${key}" must be text.`,
        line: field.line,
        column: field.column,
      });
    }
  }

  const category = fields.category?.value;
  if (category === undefined) {
    errors.push({
      code: 'template.category',
      message: `The front matter needs a category: one of ${EMAIL_CATEGORIES.join(', ')}.`,
      line: 1,
      column: 1,
    });
  } else if (typeof category === 'string' && !(EMAIL_CATEGORIES as readonly string[]).includes(category)) {
    errors.push({
      code: 'template.category',
      message: `Unknown category "${category}"; use one of ${EMAIL_CATEGORIES.join(', ')}.`,
      line: fields.category.line,
      column: fields.category.column,
    });
  }

  let subject: Handlebars.TemplateDelegate | undefined;
  const subjectField = fields.subject;
  if (
    subjectField === undefined ||
    (typeof subjectField.value === 'string' && subjectField.value.trim() === '')
  ) {
    errors.push({
      code: 'template.subject_missing',
      message:
        'The front matter needs a subject, e.g. subject: "Welcome aboard, {{firstName contact.name}}".',
      line: subjectField?.line ?? 1,
      column: 1,
    });
  } else if (typeof subjectField.value === 'string') {
    subject = compilePart(subjectField.value, fieldOffset(subjectField, raw), false, errors);
  }

  const textField = fields.text;
  const text =
    typeof textField?.value === 'string'
      ? compilePart(textField.value, fieldOffset(textField, raw), false, errors)
      : undefined;
  const html = compilePart(body, bodyLine - 1, true, errors);

  if (errors.length > 0 || !subject || !html)
    return { ok: false, errors: errors.sort((a, b) => a.line - b.line || a.column - b.column) };
  return { ok: true, template: { name, category: category as EmailCategory, subject, html, text } };
}

// CR and LF enable header injection; the other C0 and C1 controls (NEL is a line break too) and
// U+2028/9 have no business in an email either. Tab is kept (harmless, sometimes in pasted names).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** A copy of the data with every string made single-line and control-free. */
function sanitize<T>(value: T): T {
  if (typeof value === 'string') return value.replace(CONTROL, ' ') as T;
  if (Array.isArray(value)) return value.map(sanitize) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sanitize(v)])) as T;
  }
  return value;
}

/** One line, no control characters, bounded length: safe as a `Subject:` header. */
export function headerSafe(text: string): string {
  // "=?utf-8?q?=0D=0A…?=" in data would be decoded by the reader's mail client into line
  // breaks: a zero-width space after "=" keeps it from reading as an RFC 2047 encoded word.
  const line = text.replace(CONTROL, ' ').replace(/\s+/g, ' ').replace(/=\?/g, '=\u200b?').trim();
  return line.length > MAX_SUBJECT ? `${line.slice(0, MAX_SUBJECT - 1)}…` : line;
}

const CATEGORY_LABEL: Record<EmailCategory, string> = {
  onboarding: 'onboarding',
  'product-tips': 'product tips',
  'check-ins': 'check-in',
  renewal: 'renewal',
  internal: 'internal',
};

/** The shell every message shares, so no template can forget the unsubscribe footer. */
function layout(body: string, category: EmailCategory, unsubscribeUrl: string): string {
  const footer =
    category === 'internal' || unsubscribeUrl === ''
      ? ''
      : `\n<p style="margin-top:32px;font-size:12px;color:#6b7280">You receive ${CATEGORY_LABEL[category]} emails as a contact of your company's account. <a href="${env.escapeExpression(unsubscribeUrl)}">Unsubscribe from these emails</a>.</p>`;
  return (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>\n' +
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#111827;max-width:600px;margin:0 auto;padding:24px">\n' +
    `${body.trim()}${footer}\n</body></html>\n`
  );
}

/**
 * Renders a message. Throws a TemplateRenderError when the template reads data the context
 * lacks (Handlebars strict mode, e.g. a missing `account.attributes.seatLimit`) or a helper gets
 * a bad value: sending "Hi ," is worse than failing the step, and `retain preview` shows the
 * same error first.
 */
export function renderEmail(template: ParsedTemplate, ctx: TemplateContext): RenderedEmail {
  const unsubscribeUrl = template.category === 'internal' ? '' : (ctx.unsubscribeUrl ?? '');
  const data = sanitize({ ...ctx, unsubscribeUrl });
  let subject: string, body: string, text: string;
  try {
    subject = template.subject(data);
    body = template.html(data);
    text = template.text ? template.text(data).trim() : htmlToText(body);
  } catch (err) {
    throw renderError(`Email template "${template.name}" cannot be rendered`, err);
  }
  text = text.replace(/\r\n?/g, '\n');
  const footer =
    unsubscribeUrl === ''
      ? ''
      : `\n\n--\nUnsubscribe from ${CATEGORY_LABEL[template.category]} emails: ${unsubscribeUrl}`;
  return {
    subject: headerSafe(subject),
    html: layout(body, template.category, unsubscribeUrl),
    text: `${text}${footer}\n`,
    category: template.category,
  };
}

// Compiled inline texts by source: a worker renders the same few titles again and again.
const inlineCache = new Map<string, Handlebars.TemplateDelegate>();
const MAX_CACHED = 1000;

/**
 * Renders an inline text (`Call {{account.name}}`, `{{money account.mrr}}`): plain text, not
 * HTML-escaped, strict like an email's text part. Data is made control-free first, as for
 * emails; line breaks the text itself has (a YAML block) are kept. Throws TemplateRenderError.
 */
export function renderInlineText(source: string, ctx: InlineTextContext, what = 'Text'): string {
  if (!source.includes('{{')) return source;
  let template = inlineCache.get(source);
  if (!template) {
    if (inlineCache.size >= MAX_CACHED) inlineCache.clear();
    template = env.compile(source, PLAIN_OPTIONS);
    inlineCache.set(source, template);
  }
  let text: string;
  try {
    text = template(sanitize(ctx));
  } catch (err) {
    throw renderError(`${what} cannot be rendered`, err);
  }
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
}
