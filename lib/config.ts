/**
 * Configuration from environment variables, validated once at start-up. Every problem is
 * reported at once, naming the variable, so an operator fixes the deployment in one go.
 */
import { defaultThresholds, type HealthThresholds } from '../language/health-band.js';

export interface Config {
  port: number;
  host: string;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  mongodbUri: string;
  mongodbDb: string;
  smtpUrl: string;
  mailFrom: string;
  publicUrl: string;
  adminToken: string | undefined;
  unsubscribeSecret: string;
  webhookUrl: string | undefined;
  /** HEALTH_GREEN and HEALTH_RED: what every health band is computed with (language/health-band.ts). */
  healthThresholds: HealthThresholds;
  rateLimitPerMinute: number;
  /** How long the API trusts a token it looked up: a revoked token works at most this long. */
  tokenCacheSeconds: number;
  /** The worker's workflow cache: runs kept in memory between their tasks (0: none). */
  maxCachedWorkflows: number;
  /** Workflow tasks the worker runs at once. */
  maxConcurrentWorkflowTaskExecutions: number;
  /** Activities the worker runs at once. */
  maxConcurrentActivityTaskExecutions: number;
  /** The worker's /metrics listener (on HOST); undefined: none. */
  workerMetricsPort: number | undefined;
  logLevel: string;
  demo: boolean;
}

/** The variables as parsed, one field each; HEALTH_GREEN and HEALTH_RED become `healthThresholds`. */
type Settings = Omit<Config, 'healthThresholds'> & { healthGreen: number; healthRed: number };

type Parser<T> = (raw: string) => T | { error: string };

interface Variable<K extends keyof Settings = keyof Settings> {
  name: string;
  key: K;
  required: boolean;
  default?: string;
  parse: Parser<Settings[K]>;
  description: string;
}

const text: Parser<string> = (raw) => (raw.trim() === '' ? { error: 'must not be empty' } : raw.trim());
const int =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const n = Number(raw);
    return Number.isInteger(n) && n >= min && n <= max
      ? n
      : { error: `must be a whole number from ${min} to ${max}` };
  };
const url =
  (protocols: string[]): Parser<string> =>
  (raw) => {
    try {
      const u = new URL(raw);
      return protocols.includes(u.protocol) ? raw : { error: `must be a ${protocols.join(' or ')} URL` };
    } catch {
      return { error: 'must be a URL' };
    }
  };
const hostPort: Parser<string> = (raw) =>
  /^[\w.-]+:\d{1,5}$/.test(raw) ? raw : { error: 'must be host:port, e.g. 127.0.0.1:7233' };
const bool: Parser<boolean> = (raw) =>
  ['true', '1', 'yes'].includes(raw)
    ? true
    : ['false', '0', 'no'].includes(raw)
      ? false
      : { error: 'must be true or false' };
const optionalText: Parser<string | undefined> = (raw) => (raw === '' ? undefined : raw);
const optionalInt =
  (min: number, max: number): Parser<number | undefined> =>
  (raw) =>
    raw === '' ? undefined : int(min, max)(raw);
const optionalUrl: Parser<string | undefined> = (raw) =>
  raw === '' ? undefined : url(['http:', 'https:'])(raw);

function v<K extends keyof Settings>(
  name: string,
  key: K,
  opts: Omit<Variable<K>, 'name' | 'key'>,
): Variable<K> {
  return { name, key, ...opts };
}

/** Every variable the processes read; docker-compose and the README are checked against this. */
export const configVariables = [
  v('PORT', 'port', {
    required: false,
    default: '3000',
    parse: int(0, 65535),
    description: 'API listen port',
  }),
  v('HOST', 'host', {
    required: false,
    default: '127.0.0.1',
    parse: text,
    description: 'API listen address',
  }),
  v('TEMPORAL_ADDRESS', 'temporalAddress', {
    required: true,
    parse: hostPort,
    description: 'Temporal frontend host:port',
  }),
  v('TEMPORAL_NAMESPACE', 'temporalNamespace', {
    required: false,
    default: 'default',
    parse: text,
    description: 'Temporal namespace',
  }),
  v('TEMPORAL_TASK_QUEUE', 'taskQueue', {
    required: false,
    default: 'retain',
    parse: text,
    description: 'Task queue of the worker',
  }),
  v('MONGODB_URI', 'mongodbUri', {
    required: true,
    parse: url(['mongodb:', 'mongodb+srv:']),
    description: 'MongoDB connection string',
  }),
  v('MONGODB_DB', 'mongodbDb', {
    required: false,
    default: 'retain',
    parse: text,
    description: 'Database name',
  }),
  v('SMTP_URL', 'smtpUrl', {
    required: true,
    parse: url(['smtp:', 'smtps:']),
    description: 'SMTP relay, e.g. smtp://user:pass@host:587',
  }),
  v('MAIL_FROM', 'mailFrom', {
    required: false,
    default: 'Customer Success <success@retain.local>',
    parse: text,
    description: 'From address of emails',
  }),
  v('PUBLIC_URL', 'publicUrl', {
    required: false,
    default: 'http://127.0.0.1:3000',
    parse: url(['http:', 'https:']),
    description: 'Public base URL of the API (unsubscribe links)',
  }),
  v('ADMIN_TOKEN', 'adminToken', {
    required: false,
    parse: optionalText,
    description: 'Accepted as an admin token (bootstrap a fresh install)',
  }),
  v('UNSUBSCRIBE_SECRET', 'unsubscribeSecret', {
    required: false,
    default: 'dev-unsubscribe-secret-change-me',
    parse: text,
    description: 'HMAC key of unsubscribe links',
  }),
  v('WEBHOOK_URL', 'webhookUrl', {
    required: false,
    parse: optionalUrl,
    description: 'Target of notify steps with to: webhook',
  }),
  v('HEALTH_GREEN', 'healthGreen', {
    required: false,
    default: String(defaultThresholds.green),
    parse: int(1, 100),
    description: 'Score at or above which health is green',
  }),
  v('HEALTH_RED', 'healthRed', {
    required: false,
    default: String(defaultThresholds.red),
    parse: int(0, 99),
    description: 'Score below which health is red',
  }),
  v('RATE_LIMIT_PER_MINUTE', 'rateLimitPerMinute', {
    required: false,
    default: '6000',
    parse: int(1, 10_000_000),
    description: 'Requests per minute per token (or per address without one)',
  }),
  v('TOKEN_CACHE_SECONDS', 'tokenCacheSeconds', {
    required: false,
    default: '60',
    parse: int(0, 60),
    description: 'Seconds the API remembers a token it looked up (0: look up every request)',
  }),
  v('WORKER_MAX_CACHED_WORKFLOWS', 'maxCachedWorkflows', {
    required: false,
    default: '100',
    parse: int(0, 1_000_000),
    description:
      'Runs the worker keeps in memory between their tasks (0 or at least 2); a run not cached is replayed from its history when it wakes',
  }),
  v('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS', 'maxConcurrentWorkflowTaskExecutions', {
    required: false,
    default: '10',
    parse: int(2, 10_000),
    description:
      'Workflow tasks the worker runs at once (at most WORKER_MAX_CACHED_WORKFLOWS unless that is 0)',
  }),
  v('WORKER_MAX_CONCURRENT_ACTIVITIES', 'maxConcurrentActivityTaskExecutions', {
    required: false,
    default: '50',
    parse: int(1, 100_000),
    description: 'Activities (emails, tasks, database reads and writes) the worker runs at once',
  }),
  v('WORKER_METRICS_PORT', 'workerMetricsPort', {
    required: false,
    parse: optionalInt(1, 65535),
    description: "Port of the worker's GET /metrics on HOST (ADMIN_TOKEN as bearer); unset: none",
  }),
  v('LOG_LEVEL', 'logLevel', {
    required: false,
    default: 'info',
    parse: text,
    description: 'pino log level',
  }),
  v('RETAIN_DEMO', 'demo', {
    required: false,
    default: 'true',
    parse: bool,
    description: 'Seed demo data on npm start',
  }),
] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses `variables` from `env`, adding a line to `problems` for each one missing or malformed. */
function parseVariables(
  variables: readonly Variable[],
  env: Record<string, string | undefined>,
  problems: string[],
): Partial<Settings> {
  const settings: Record<string, unknown> = {};
  for (const variable of variables) {
    const raw = env[variable.name] ?? variable.default;
    if (raw === undefined) {
      if (variable.required) problems.push(`${variable.name} is missing (${variable.description})`);
      else settings[variable.key] = undefined;
      continue;
    }
    const parsed = variable.parse(raw);
    if (parsed !== null && typeof parsed === 'object' && 'error' in parsed)
      problems.push(`${variable.name} ${parsed.error} (got "${raw}")`);
    else settings[variable.key] = parsed;
  }
  return settings as Partial<Settings>;
}

/** The health thresholds from parsed settings, checked against each other. */
function healthThresholdsOf(settings: Partial<Settings>, problems: string[]): HealthThresholds {
  const thresholds = { green: settings.healthGreen ?? NaN, red: settings.healthRed ?? NaN };
  if (problems.length === 0 && thresholds.red >= thresholds.green)
    problems.push('HEALTH_RED must be lower than HEALTH_GREEN');
  return thresholds;
}

/** The worker's cache and concurrency, checked against each other as the Temporal SDK needs them. */
function checkWorkerLimits(settings: Partial<Settings>, problems: string[]): void {
  const { maxCachedWorkflows: cache, maxConcurrentWorkflowTaskExecutions: tasks } = settings;
  if (cache === undefined || tasks === undefined) return;
  if (cache === 1) problems.push('WORKER_MAX_CACHED_WORKFLOWS must be 0 (no cache) or at least 2');
  else if (cache > 0 && tasks > cache)
    problems.push('WORKER_MAX_CONCURRENT_WORKFLOW_TASKS must not exceed WORKER_MAX_CACHED_WORKFLOWS');
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const { healthGreen, healthRed, ...settings } = parseVariables(configVariables, env, problems);
  const healthThresholds = healthThresholdsOf({ healthGreen, healthRed }, problems);
  checkWorkerLimits(settings, problems);
  if (settings.workerMetricsPort !== undefined && !settings.adminToken)
    problems.push('WORKER_METRICS_PORT needs ADMIN_TOKEN (the bearer token its /metrics requires)');
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...settings, healthThresholds } as Config;
}

/**
 * HEALTH_GREEN and HEALTH_RED alone, parsed and checked exactly as `loadConfig` does, for the
 * commands (`retain simulate`, `retain preview`) that need the bands but no servers' settings.
 */
export function loadHealthThresholds(
  env: Record<string, string | undefined> = process.env,
): HealthThresholds {
  const problems: string[] = [];
  const variables = configVariables.filter((v) => v.key === 'healthGreen' || v.key === 'healthRed');
  const thresholds = healthThresholdsOf(parseVariables(variables, env, problems), problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return thresholds;
}

/** For the processes' entry points: the configuration, or exit 2 after logging every problem. */
export function loadConfigOrExit(log: { fatal(obj: object, msg: string): void }): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.fatal({ problems: err.problems }, err.message);
    process.exit(2);
  }
}
