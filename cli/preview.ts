/**
 * `retain preview <playbook.yaml> <step-id> --account <account.json> [--out file.html]`
 *
 * Renders the email (or CSM notification) a step would send, for one account, exactly as the
 * worker would render it: prints the subject, recipients and text part, and writes the HTML
 * to a file to open in a browser. Nothing is sent and nothing is stored.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FileTemplateCatalog } from '../catalog/template-files.js';
import { formatDiagnostic } from '../language/diagnostics.js';
import { parseTemplate, renderEmail } from '../language/templates.js';
import { allSteps, type StepNode } from '../language/step-tree.js';
import { validatePlaybook } from '../language/validate.js';
import { selectRecipients } from '../language/context.js';
import { loadHealthThresholds } from '../lib/config.js';
import {
  checkPreviewAccount,
  previewContext,
  previewCsm,
  previewInternalContext,
  type PreviewOptions,
} from './preview-context.js';

const USAGE = `Usage: retain preview <playbook.yaml> <step-id> --account <account.json> [options]

Renders the email or notification of one step for one account, without sending it.

Options:
  --account <file>     account JSON, as sent to POST /v1/accounts (required)
  --out <file>         where to write the HTML (default ./preview-<step-id>.html)
  --templates <dir>    template folder (default: templates/ next to the playbook)
  --health <score>     health score 0-100 to render with (default: the file's, else 65)
  --now <date>         the date to treat as today (default: now), e.g. 2026-05-01
  -h, --help           show this help`;

/** The parts of an email or notify step the preview reads. */
interface Step {
  email?: { template: string; to?: string };
  notify?: { to: string; template?: string };
}

interface Target {
  kind: 'email' | 'notify';
  template: string;
  to: string;
}

function targetOf(node: StepNode): Target {
  const step = node.step as Step;
  if (step.email) return { kind: 'email', template: step.email.template, to: step.email.to ?? 'primary' };
  if (step.notify?.template) return { kind: 'notify', template: step.notify.template, to: step.notify.to };
  throw new Error(
    `step "${node.id}" is a "${node.kind}" step; preview shows email steps and notify steps with a template`,
  );
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** The playbook, validated exactly as `retain validate` would; errors stop the preview. */
async function loadPlaybook(file: string, templateDir: string): Promise<{ id: string; steps: StepNode[] }> {
  const source = await readFile(file, 'utf8');
  const { playbook, diagnostics } = validatePlaybook(source, {
    file,
    templates: new FileTemplateCatalog(templateDir),
  });
  for (const d of diagnostics) console.error(formatDiagnostic(d));
  if (!playbook) throw new Error(`${file} has errors; fix them first (retain validate ${file})`);
  return { id: playbook.id, steps: allSteps(playbook.steps) };
}

function formatAddress(c: { name: string; email: string }): string {
  return `${c.name} <${c.email}>`;
}

export async function run(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  const parse = (a: string[]) =>
    parseArgs({
      args: a,
      allowPositionals: true,
      options: {
        account: { type: 'string' },
        out: { type: 'string' },
        templates: { type: 'string' },
        health: { type: 'string' },
        now: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  try {
    args = parse(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 2 || !values.account) {
    console.error(USAGE);
    return 2;
  }
  const [playbookFile, stepId] = positionals;

  try {
    const templateDir = values.templates ?? join(dirname(playbookFile), 'templates');
    const playbook = await loadPlaybook(playbookFile, templateDir);
    const node = playbook.steps.find((n) => n.id === stepId);
    if (!node) {
      const ids = playbook.steps
        .filter((n) => n.id && (n.kind === 'email' || n.kind === 'notify'))
        .map((n) => n.id);
      throw new Error(
        `no step with id "${stepId}" in ${playbookFile}${ids.length ? `; steps that can be previewed: ${ids.join(', ')}` : ''}`,
      );
    }
    const target = targetOf(node);

    const templateFile = join(templateDir, `${target.template}.hbs`);
    const source = await readFile(templateFile, 'utf8').catch(() => undefined);
    if (source === undefined)
      throw new Error(`template "${target.template}" not found: expected ${templateFile}`);
    const parsed = parseTemplate(target.template, source);
    if (!parsed.ok) {
      for (const e of parsed.errors)
        console.error(`${templateFile}:${e.line}:${e.column}: error ${e.code} ${e.message}`);
      return 1;
    }

    const account = checkPreviewAccount(await readJson(values.account));
    const health = values.health === undefined ? undefined : Number(values.health);
    if (health !== undefined && !(Number.isFinite(health) && health >= 0 && health <= 100))
      throw new Error('--health must be a number from 0 to 100');
    const now = values.now ? new Date(values.now) : new Date();
    if (Number.isNaN(now.getTime())) throw new Error(`--now "${values.now}" is not a date`);

    const options: PreviewOptions = {
      playbookId: playbook.id,
      now,
      healthScore: health,
      thresholds: loadHealthThresholds(),
    };
    // A notification goes to the CSM and talks about the account's primary contact.
    const contacts = target.kind === 'email' ? selectRecipients(account.contacts, target.to) : [];
    if (target.kind === 'email' && contacts.length === 0)
      throw new Error(`no contact of the account matches "to: ${target.to}"; this step would send nothing`);
    const context =
      target.kind === 'email'
        ? previewContext(account, contacts[0], options)
        : previewInternalContext(account, options);
    const email = renderEmail(parsed.template, context);
    const to =
      target.kind === 'notify'
        ? target.to === 'webhook'
          ? 'the notification webhook'
          : formatAddress(previewCsm(account.csm))
        : contacts.map(formatAddress).join(', ');

    const out = resolve(values.out ?? `preview-${stepId}.html`);
    await writeFile(out, email.html, 'utf8');
    console.log(
      `Step:     ${stepId} (${target.kind}, template ${target.template}, category ${email.category})`,
    );
    console.log(`To:       ${to}`);
    if (target.kind === 'email' && contacts.length > 1)
      console.log(`          (rendered for ${contacts[0].name})`);
    console.log(`Subject:  ${email.subject}`);
    console.log(`\n${email.text}`);
    console.log(`HTML written to ${out}`);
    return 0;
  } catch (err) {
    console.error(`retain preview: ${(err as Error).message}`);
    return 1;
  }
}
