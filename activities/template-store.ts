/**
 * Email templates read from the templates folder and parsed once per file version (mtime), so
 * an edited template is picked up without a restart. A missing or broken template is a
 * failure retrying cannot fix.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { parseTemplate, type ParsedTemplate } from '../language/templates.js';

const cache = new Map<string, { mtimeMs: number; template: ParsedTemplate }>();

export async function loadTemplate(dir: string, name: string): Promise<ParsedTemplate> {
  if (!/^[a-z][a-z0-9_-]{0,62}$/.test(name))
    throw ApplicationFailure.nonRetryable(`"${name}" is not a template name.`, 'UnknownTemplate');
  const file = join(dir, `${name}.hbs`);
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(file)).mtimeMs;
  } catch {
    throw ApplicationFailure.nonRetryable(
      `Email template "${name}" does not exist (looked for ${file}).`,
      'UnknownTemplate',
    );
  }
  const cached = cache.get(file);
  if (cached && cached.mtimeMs === mtimeMs) return cached.template;
  const parsed = parseTemplate(name, await readFile(file, 'utf8'));
  if (!parsed.ok) {
    const first = parsed.errors[0];
    throw ApplicationFailure.nonRetryable(
      `Email template "${name}" is invalid: line ${first.line}: ${first.message}`,
      'TemplateError',
    );
  }
  cache.set(file, { mtimeMs, template: parsed.template });
  return parsed.template;
}
