/**
 * `retain simulate <playbook> --account <account.json> [--health <timeline.json>] [--json]`
 *
 * Runs the real playbook workflow and activities in Temporal's time-skipping test server with
 * a local SMTP capture, and prints what the playbook would do for this account, one line per
 * action, with its offset from enrolment. Nothing is sent and nothing is stored.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { newAccountDoc, type AccountDoc } from '../lib/documents.js';
import type { Playbook } from '../language/schema.js';
import { validatePlaybook } from '../language/validate.js';
import { FileTemplateCatalog } from '../catalog/template-files.js';
import { formatDiagnostic } from '../language/diagnostics.js';
import { parseHealthTimeline } from '../engine/simulation/health-timeline.js';
import { simulatePlaybook } from '../engine/simulation/simulate.js';
import { formatTimeline } from '../engine/simulation/timeline.js';
import { defaultThresholds, healthBand } from '../language/health-band.js';
import { checkPreviewAccount } from './preview-context.js';

const USAGE = `Usage: retain simulate <playbook> --account <account.json> [--health <timeline.json>] [--json]

Plays a playbook through for one account in seconds, with simulated time, and prints what it
would do: emails (subject, recipient), tasks (title, assignee), branches taken and the values
seen, goal reached, end and outcome. Nothing is sent to anyone.

  <playbook>           a playbook YAML file, or the id of a shipped playbook (playbooks/<id>.yaml)
  --account <file>     account JSON, as sent to POST /v1/accounts (required)
  --health <file>      health timeline, e.g. [{ "at": "0d", "score": 35 }, { "at": "10d", "score": 75 }];
                       without it the health is whatever makes the trigger fire, and stays
  --templates <dir>    template folder (default: templates/ next to the playbook)
  --json               print [{ "t": <seconds since enrolment>, "step", "kind", "event", "detail" }]
  -h, --help           show this help`;

const shipped = fileURLToPath(new URL('../playbooks/', import.meta.url));

async function readJson(file: string, what: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(`cannot read the ${what} file ${file}`);
  });
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** The playbook, validated exactly as `retain validate` would (templates included); errors stop the simulation. */
export async function loadPlaybook(file: string, templatesDir: string): Promise<Playbook> {
  const { playbook, diagnostics } = validatePlaybook(await readFile(file, 'utf8'), {
    file,
    templates: new FileTemplateCatalog(templatesDir),
  });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (!playbook || errors.length)
    throw new Error(`${file} has errors; fix them first:\n${errors.map(formatDiagnostic).join('\n')}`);
  return playbook;
}

export function accountFromFile(value: unknown, now: Date): AccountDoc {
  const a = checkPreviewAccount(value);
  return {
    ...newAccountDoc({ ...a, contacts: a.contacts ?? [] }, now),
    ...(a.health
      ? {
          health: {
            score: a.health.score,
            band: healthBand(a.health.score, defaultThresholds),
            observedAt: now,
          },
        }
      : {}),
  };
}

function resolvePlaybookFile(arg: string): string {
  if (existsSync(arg)) return resolve(arg);
  const byId = join(shipped, `${arg}.yaml`);
  if (existsSync(byId)) return byId;
  throw new Error(`no playbook file "${arg}" and no shipped playbook with that id`);
}

export async function run(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        account: { type: 'string' },
        health: { type: 'string' },
        templates: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.positionals.length !== 1 || !args.values.account) {
    console.error(USAGE);
    return 2;
  }
  try {
    const file = resolvePlaybookFile(args.positionals[0]);
    const templatesDir = resolve(args.values.templates ?? join(dirname(file), 'templates'));
    const playbook = await loadPlaybook(file, templatesDir);
    const account = accountFromFile(await readJson(args.values.account, 'account'), new Date());
    const healthTimeline = args.values.health
      ? parseHealthTimeline(await readJson(args.values.health, 'health timeline'))
      : undefined;
    const simulation = await simulatePlaybook({ playbook, account, healthTimeline, templatesDir });
    console.log(
      args.values.json ? JSON.stringify(simulation.timeline, null, 2) : formatTimeline(simulation.timeline),
    );
    return 0;
  } catch (err) {
    console.error(`retain simulate: ${(err as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
