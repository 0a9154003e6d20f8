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
import { ConfigError, loadHealthThresholds } from '../lib/config.js';
import { mongoInstalled } from '../lib/stack-mongo.js';
import { timeSkippingServerPath } from '../lib/stack-time-skipping.js';
import { installTools } from '../lib/tools.js';
import { healthBand, type HealthThresholds } from '../language/health-band.js';
import { checkPreviewAccount } from './preview-context.js';
import { parseHealthTimeline } from './simulation/health-timeline.js';
import { formatTimeline } from './simulation/timeline.js';

const USAGE = `Usage: retain simulate <playbook> --account <account.json> [--health <timeline.json>] [--json]

Plays a playbook through for one account in seconds, with simulated time, and prints what it
would do: emails (subject, recipient), tasks (title, assignee), branches taken and the values
seen, goal reached, end and outcome. Nothing is sent to anyone. Health bands follow
HEALTH_GREEN / HEALTH_RED as the server does; the servers it needs are set up on first use
(npm run setup), and MONGODB_URI, when set, is used instead of a database of its own.

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

export function accountFromFile(value: unknown, now: Date, thresholds: HealthThresholds): AccountDoc {
  const a = checkPreviewAccount(value);
  return {
    ...newAccountDoc({ ...a, contacts: a.contacts ?? [] }, now),
    ...(a.health
      ? {
          health: {
            score: a.health.score,
            band: healthBand(a.health.score, thresholds),
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

/**
 * The time-skipping test server and a database, installed by scripts/install-tools.sh when
 * missing, as `npm start` does, instead of telling the user to run it.
 */
async function ensureServers(signal: AbortSignal | undefined): Promise<void> {
  if (mongoInstalled() && existsSync(timeSkippingServerPath)) return;
  console.error('retain simulate: setting up the servers it needs (first use; npm run setup does the same)…');
  await installTools({ signal });
}

export async function run(argv: string[], signal?: AbortSignal): Promise<number> {
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
  let thresholds: HealthThresholds;
  try {
    thresholds = loadHealthThresholds();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`retain simulate: ${err.message}`);
    return 2;
  }
  try {
    const file = resolvePlaybookFile(args.positionals[0]);
    const templatesDir = resolve(args.values.templates ?? join(dirname(file), 'templates'));
    const playbook = await loadPlaybook(file, templatesDir);
    const account = accountFromFile(await readJson(args.values.account, 'account'), new Date(), thresholds);
    const healthTimeline = args.values.health
      ? parseHealthTimeline(await readJson(args.values.health, 'health timeline'))
      : undefined;
    await ensureServers(signal);
    // Loaded here, not at the top: Temporal's worker takes seconds to load, and --help, a
    // malformed file or a failed setup need none of it.
    const { simulatePlaybook } = await import('./simulation/simulate.js');
    const simulation = await simulatePlaybook(
      { playbook, account, healthTimeline, templatesDir, thresholds },
      { signal },
    );
    console.log(
      args.values.json ? JSON.stringify(simulation.timeline, null, 2) : formatTimeline(simulation.timeline),
    );
    return 0;
  } catch (err) {
    if (signal?.aborted) return 1; // stopped: cli/main.ts reports the signal
    console.error(`retain simulate: ${(err as Error).message}`);
    return 1;
  }
}
