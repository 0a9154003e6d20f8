/**
 * `npm run bench [-- --quick] [scenario …]`: starts its own stack (Temporal dev server, the
 * MongoDB-protocol server, an SMTP capture), runs the scenarios in order, prints a table of
 * figures with their same-run baselines and ratios, and writes it all as JSON, with the machine
 * and versions, to bench/results/<date>.json. See bench/README.md for what each figure means.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem, loadavg } from 'node:os';
import { join } from 'node:path';
import { startStack } from '../lib/stack.js';
import { fasterFerretdbBackend, ferretdbPath } from '../lib/stack-mongo.js';
import { postgresBinDir } from '../lib/stack-postgres.js';
import { temporalCliPath } from '../lib/stack-temporal.js';
import { api } from './api.js';
import { counts } from './counts.js';
import { ingest } from './ingest.js';
import { interpreter } from './interpreter.js';
import { kpis } from './kpis.js';
import { memory } from './memory.js';
import { root, type Figure, type Scenario } from './support.js';
import { table } from './table.js';

const scenarios: Scenario[] = [ingest, interpreter, api, kpis, memory, counts];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
// FerretDB on PostgreSQL when the machine has it (its updates use the primary key; on SQLite
// they scan), on SQLite with --sqlite or without PostgreSQL. MONGODB_URI overrides both.
const mongoBackend = args.includes('--sqlite') ? 'sqlite' : fasterFerretdbBackend();
const unknown = args.filter((a) => a.startsWith('--') && a !== '--quick' && a !== '--sqlite');
const chosen = args.filter((a) => !a.startsWith('--'));
const bad = chosen.filter((name) => !scenarios.some((s) => s.name === name));
if (unknown.length > 0 || bad.length > 0) {
  console.error(`usage: npm run bench -- [--quick] [--sqlite] [${scenarios.map((s) => s.name).join('|')} …]`);
  if (bad.length > 0) console.error(`unknown scenario: ${bad.join(', ')}`);
  process.exit(2);
}
const selected = chosen.length > 0 ? scenarios.filter((s) => chosen.includes(s.name)) : scenarios;

const began = new Date();
const log = (line: string) =>
  console.log(`[bench ${((Date.now() - began.getTime()) / 1000).toFixed(0).padStart(5)} s] ${line}`);

function version(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', timeout: 10_000 }).trim().split('\n')[0];
  } catch {
    return 'unknown';
  }
}

async function packageVersion(name: string): Promise<string> {
  try {
    return (
      JSON.parse(await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'unknown';
  }
}

const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  loadAverageAtStart: loadavg().map((n) => Number(n.toFixed(2))),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
};

log(
  `${quick ? 'quick' : 'full'} run of ${selected.map((s) => s.name).join(', ')} on ${machine.cpus} × ${machine.cpuModel}`,
);
const stack = await startStack({ log, mongoBackend });
const figures: Figure[] = [];
const failures: Array<{ scenario: string; error: string }> = [];
const versions = {
  retain: (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }).version,
  commit: version('git', ['-C', root, 'rev-parse', '--short', 'HEAD']),
  temporalCli: version(temporalCliPath, ['--version']),
  database:
    stack.mongoKind === 'ferretdb'
      ? `FerretDB ${version(ferretdbPath, ['--version'])} on ${stack.mongoBackend === 'postgresql' ? `PostgreSQL ${version(join(postgresBinDir() ?? '', 'postgres'), ['--version'])}` : 'SQLite'}`
      : stack.mongoKind,
  temporalSdk: await packageVersion('@temporalio/worker'),
  fastify: await packageVersion('fastify'),
  mongodbDriver: await packageVersion('mongodb'),
  autocannon: await packageVersion('autocannon'),
};
const date = began.toISOString().slice(0, 10);
const file = join(
  root,
  'bench/results',
  `${date}${quick ? '-quick' : ''}${chosen.length > 0 ? `-${selected.map((s) => s.name).join('+')}` : ''}.json`,
);
await mkdir(join(root, 'bench/results'), { recursive: true });
/** Written after every scenario, so a run cut short keeps what it measured (`finished: false`). */
const save = (finished: boolean) =>
  writeFile(
    file,
    `${JSON.stringify({ startedAt: began.toISOString(), durationS: Math.round((Date.now() - began.getTime()) / 1000), mode: quick ? 'quick' : 'full', finished, machine, versions, figures, failures }, null, 2)}\n`,
  );
try {
  for (const scenario of selected) {
    log(`— ${scenario.name}: ${scenario.describe}`);
    const t = Date.now();
    try {
      const got = await scenario.run({ stack, quick, log });
      figures.push(...got);
      log(`— ${scenario.name} done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    } catch (err) {
      const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      failures.push({ scenario: scenario.name, error });
      log(`— ${scenario.name} FAILED: ${error}`);
    }
    await save(false);
  }
} finally {
  await stack.stop();
}
await save(true);
console.log(`\n${table(figures)}\n`);
for (const f of figures.filter((f) => f.note)) console.log(`- ${f.scenario}, ${f.name}: ${f.note}`);
console.log(`ratio = value ÷ baseline, both measured in this run on the same servers. Written to ${file}`);
if (failures.length > 0) {
  console.error(`${failures.length} scenario(s) failed: ${failures.map((f) => f.scenario).join(', ')}`);
  process.exit(1);
}
process.exit(0);
