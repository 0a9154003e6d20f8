/**
 * `retain validate [--json] [--templates <dir>] <files…>`: checks playbooks before they go live.
 * Prints `file:line:col: error CODE message` (and `warning …`) lines, or with --json the same
 * diagnostics as a JSON array; exits 0 when no file has an error, 1 otherwise, 2 on misuse.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { FileTemplateCatalog } from '../catalog/template-files.js';
import { formatDiagnostic, type Diagnostic } from '../language/diagnostics.js';
import { maxSourceBytes } from '../language/load-yaml.js';
import { validatePlaybook } from '../language/validate.js';

const USAGE = `Usage: retain validate [options] <playbook.yaml…>

Checks playbooks and prints every error and warning as file:line:col: severity CODE message.
Exits 0 when there is no error, 1 when there is one.

Options:
  --json               print the diagnostics as a JSON array
  --templates <dir>    email template folder (default: templates/ next to each playbook)
  -h, --help           show this help`;

async function validateFile(
  file: string,
  templatesDir: string | undefined,
  catalogs: Map<string, FileTemplateCatalog>,
): Promise<Diagnostic[]> {
  let source: string;
  try {
    const bytes = await readFile(file);
    // Oversized input is rejected by the validator; do not decode megabytes to say so.
    source = bytes.length > maxSourceBytes ? ' '.repeat(maxSourceBytes + 1) : bytes.toString('utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : error instanceof Error
          ? error.message
          : String(error);
    return [
      {
        file,
        line: 1,
        column: 1,
        severity: 'error',
        code: 'input.unreadable',
        message: `cannot read the file: ${reason}`,
      },
    ];
  }
  const dir = templatesDir ?? join(dirname(file), 'templates');
  let templates = catalogs.get(dir);
  if (!templates) catalogs.set(dir, (templates = new FileTemplateCatalog(dir)));
  return validatePlaybook(source, { file, templates }).diagnostics;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        templates: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`retain validate: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    console.error(`retain validate: no playbook given\n\n${USAGE}`);
    return 2;
  }
  const catalogs = new Map<string, FileTemplateCatalog>();
  const diagnostics: Diagnostic[] = [];
  for (const file of parsed.positionals)
    diagnostics.push(...(await validateFile(file, parsed.values.templates, catalogs)));

  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (parsed.values.json) {
    console.log(JSON.stringify(diagnostics, null, 2));
  } else {
    for (const d of diagnostics) console.log(formatDiagnostic(d));
    const files = parsed.positionals.length;
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    console.error(
      `${plural(files, 'file')} checked: ${plural(errors, 'error')}, ${plural(diagnostics.length - errors, 'warning')}`,
    );
  }
  return errors > 0 ? 1 : 0;
}
