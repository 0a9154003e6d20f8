/**
 * In-memory stand-ins for every activity of the playbook run, typed against the real ones
 * (`Activities`, the result of `createActivities`): a stub whose input or result drifts from
 * the real activity fails typecheck. They keep the account in memory, answer as the real
 * activities would (the account read, the task created, the email sent) and record each call,
 * so a test asserts what the interpreter asked for, in order, without MongoDB or SMTP.
 */
import { ApplicationFailure } from '@temporalio/common';
import { accountView, healthView, type HealthView } from '../../language/context.js';
import type { AccountDoc } from '../../lib/documents.js';
import { taskIdFor } from '../../lib/ids.js';
import type { Activities } from '../../workflows/activities-proxy.js';
import { dayMs } from '../../language/durations.js';

export type ActivityName = keyof Activities;

/** One call of one activity, with the input the workflow gave it. */
export type Call = { [K in ActivityName]: { name: K; input: Parameters<Activities[K]>[0] } }[ActivityName];

/** What the stubs read and write, changed by tests between signals as the API would. */
export interface StubWorld {
  /** The stored account; `null` once deleted (reads then fail as the real ones do). */
  account: AccountDoc | null;
  /** Stored health by run day (days since the run started): `[fromDay, health]`, in order. */
  healthByDay?: Array<[number, HealthView]>;
  /** Addresses that unsubscribed: an email to them is suppressed. */
  suppressed?: string[];
  /** Activities that fail with a non-retryable error (message), as an unknown template does. */
  failing?: Partial<Record<ActivityName, string>>;
}

export interface Stubs {
  readonly activities: Activities;
  readonly calls: Call[];
  readonly world: StubWorld;
  /** The CSM completes the task of `stepId` in storage (the API then signals the run). */
  completeTask(stepId: string): void;
  /** Resolves with the first call (past or future) that matches. */
  waitForCall(match: (call: Call) => boolean, what: string): Promise<Call>;
  /**
   * Holds the next matching call before it returns, so a test can act while the activity is
   * in flight (e.g. signal the run); `call` resolves when it is held, `release()` lets it return.
   */
  hold(match: (call: Call) => boolean, what: string): { call: Promise<Call>; release(): void };
}

/** Health as an account stores it: a score and a band, never `none`. */
export type StoredHealth = Pick<NonNullable<AccountDoc['health']>, 'score' | 'band'>;

export const red: StoredHealth = { score: 30, band: 'red' };
export const yellow: StoredHealth = { score: 55, band: 'yellow' };
export const green: StoredHealth = { score: 85, band: 'green' };

export function stubAccount(over: Partial<AccountDoc> = {}): AccountDoc {
  const at = new Date('2026-01-05T00:00:00Z');
  return {
    _id: 'acct-1',
    name: 'Acme Logistics',
    segment: 'high-touch',
    plan: 'enterprise',
    mrr: 5000,
    csm: 'csm-maya',
    contacts: [
      { name: 'Dana Whitfield', email: 'dana@acme.test', role: 'primary' },
      { name: 'Ola Ops', email: 'ola@acme.test', role: 'admin' },
    ],
    startedAt: at,
    lifecycle: 'onboarding',
    attributes: {},
    health: { score: 35, band: 'red', observedAt: at },
    createdAt: at,
    updatedAt: at,
    ...over,
  };
}

/** The stub world of an account whose stored health is `health` (none stored: `null`). */
export function withHealth(health: StoredHealth | null): Pick<StubWorld, 'account'> {
  const observedAt = new Date('2026-01-05T00:00:00Z');
  return { account: stubAccount({ health: health ? { ...health, observedAt } : undefined }) };
}

export function createStubs(world: StubWorld): Stubs {
  const calls: Call[] = [];
  const waiters: Array<{ match: (call: Call) => boolean; resolve: (call: Call) => void }> = [];
  const holds: Array<{
    match: (call: Call) => boolean;
    held: (call: Call) => void;
    released: Promise<void>;
  }> = [];
  let startedAt: Date | null = null;
  const completed = new Set<string>();

  const record = async (call: Call) => {
    calls.push(call);
    for (const w of waiters.splice(0)) {
      if (w.match(call)) w.resolve(call);
      else waiters.push(w);
    }
    const hold = holds.findIndex((h) => h.match(call));
    if (hold >= 0) {
      const [h] = holds.splice(hold, 1);
      h.held(call);
      await h.released;
    }
    const message = world.failing?.[call.name];
    if (message) throw ApplicationFailure.nonRetryable(message, 'StubFailure');
  };
  const stored = (accountId: string): AccountDoc => {
    if (!world.account || world.account._id !== accountId)
      throw ApplicationFailure.nonRetryable(`Account "${accountId}" does not exist.`, 'UnknownAccount');
    return world.account;
  };
  const healthAt = (account: AccountDoc, now: Date): HealthView => {
    if (!world.healthByDay || !startedAt) return healthView(account.health);
    const day = (now.getTime() - startedAt.getTime()) / dayMs;
    let health = healthView(account.health);
    for (const [fromDay, h] of world.healthByDay) if (day >= fromDay) health = h;
    return health;
  };

  const activities: Activities = {
    async loadCurrentAccount(input) {
      await record({ name: 'loadCurrentAccount', input });
      const account = stored(input.accountId);
      const now = new Date(input.now);
      return { account: accountView(account, now), health: healthAt(account, now) };
    },
    async updateAccountField(input) {
      await record({ name: 'updateAccountField', input });
      const account = stored(input.accountId);
      if (input.field === 'lifecycle') account.lifecycle = String(input.value);
      else
        account.attributes = {
          ...account.attributes,
          [input.field.slice('attributes.'.length)]: input.value,
        };
    },
    async recordRunStarted(input) {
      await record({ name: 'recordRunStarted', input });
      startedAt = new Date(input.startedAt);
    },
    async appendAudit(input) {
      await record({ name: 'appendAudit', input });
    },
    async recordRunEnded(input) {
      await record({ name: 'recordRunEnded', input });
      // Like the real one: every task of the run still open is cancelled.
      const open = calls.filter((c) => c.name === 'createTask' && !completed.has(c.input.stepId));
      return { cancelledTasks: open.length };
    },
    async createTask(input) {
      await record({ name: 'createTask', input });
      const account = stored(input.accountId);
      return {
        taskId: taskIdFor(input.runId, input.stepId),
        assignee: input.task.assignee && input.task.assignee !== 'csm' ? input.task.assignee : account.csm,
        title: input.task.title,
        created: true,
      };
    },
    async recordOutcome(input) {
      await record({ name: 'recordOutcome', input });
    },
    async sendEmail(input) {
      await record({ name: 'sendEmail', input });
      const account = stored(input.accountId);
      // The real rule (activities/recipients.ts): all, role:<role>, else the primary contact.
      const to = account.contacts
        .filter((c) =>
          input.to === 'all'
            ? true
            : input.to?.startsWith('role:')
              ? c.role === input.to.slice(5)
              : c.role === 'primary',
        )
        .map((c) => c.email);
      if (to.length === 0) return { status: 'no_recipient', to: [], subject: '' };
      const subject = `[${input.template}] for ${account.name}`;
      const allowed = to.filter((email) => !world.suppressed?.includes(email));
      if (allowed.length === 0) return { status: 'suppressed', to: [], subject };
      return { status: 'sent', to: allowed, subject };
    },
    async notify(input) {
      await record({ name: 'notify', input });
      stored(input.accountId);
      return input.to === 'webhook'
        ? { status: 'posted', to: 'hooks.retain.test' }
        : { status: 'sent', to: 'maya@retain.test' };
    },
  };

  return {
    activities,
    calls,
    world,
    completeTask(stepId) {
      completed.add(stepId);
    },
    waitForCall(match, what) {
      const past = calls.find(match);
      if (past) return Promise.resolve(past);
      return withDeadline(what, (resolve) => waiters.push({ match, resolve }));
    },
    hold(match, what) {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      const call = withDeadline<Call>(what, (held) => holds.push({ match, held, released }));
      return { call, release };
    },
  };
}

/** A promise that `register` settles, rejected when nothing does within 10 s. */
function withDeadline<T>(what: string, register: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within 10 s`)), 10_000);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

/**
 * The side effects a run asked for, one short line each, in order: what a table of cases
 * compares. Reads, audit appends and the run's start and end records are left out.
 */
export function effects(calls: Call[]): string[] {
  return calls.flatMap((call): string[] => {
    switch (call.name) {
      case 'sendEmail':
        return [`email ${call.input.template}${call.input.to ? ` to ${call.input.to}` : ''}`];
      case 'createTask':
        return [`task ${call.input.stepId}`];
      case 'notify':
        return [`notify ${call.input.to}`];
      case 'recordOutcome':
        return [`outcome ${call.input.name}`];
      case 'updateAccountField':
        return [`update ${call.input.field}=${String(call.input.value)}`];
      default:
        return [];
    }
  });
}
