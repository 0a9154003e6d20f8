/**
 * The interpreter: one `switch` over the closed set of step kinds, run in order. Decisions are
 * taken on current data (the account is re-read before each), and everything it does is
 * written to the run's audit trail.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  isCancellation,
  patched,
  sleep,
} from '@temporalio/workflow';
import { stepKind, type Step } from '../language/schema.js';
import { durationMs } from '../language/durations.js';
import { activities } from './activities-proxy.js';
import { runDurationMs, type BlockedAt } from './contract.js';
import type { JsonPath } from '../language/locate.js';
import { branchPath, stepIdAt } from '../language/step-tree.js';
import type { RunState } from './run-state.js';

/** Thrown to stop interpreting: an `outcome` step with `end: true`, or the goal reached. */
export class RunStop extends Error {
  constructor(
    readonly reason: 'end' | 'goal' | 'cancel',
    readonly outcome: string | null = null,
  ) {
    super(`run stopped: ${reason}`);
  }
}

type BlockedInStep = Extract<BlockedAt, { kind: 'step' }>;

/** Whether `path` is `within` itself or one of its ancestors in the step tree. */
function leadsTo(path: JsonPath, within: JsonPath): boolean {
  return path.length <= within.length && path.every((segment, i) => within[i] === segment);
}

export class Interpreter {
  lastOutcome: string | null = null;
  /**
   * Set when the run continued as new blocked in a step: the walk goes straight down to that
   * step (entering the branches it took, without deciding again) and goes on from there.
   */
  private resuming: BlockedInStep | null = null;

  constructor(
    private readonly run: RunState,
    private readonly now: () => Date,
    /** Called after every step: persists the audit, re-reads data, checks the goal. */
    private readonly afterStep: () => Promise<void>,
    /** Called before the run blocks (wait, waitFor): persists the audit so readers see where it is. */
    private readonly beforeBlocking: () => Promise<void>,
  ) {}

  /** A playbook duration in this run's time. */
  private ms(duration: string): number {
    return runDurationMs(this.run.input, durationMs(duration));
  }

  private get ref() {
    const { input, runId, execution } = this.run;
    return {
      runId,
      ...execution,
      accountId: input.accountId,
      playbookId: input.playbookId,
    };
  }

  private get runInfo() {
    return {
      version: this.run.input.playbookVersion,
      startedAt: this.run.startedAt.toISOString(),
      daysSinceStart: this.run.context(this.now()).run.daysSinceStart,
    };
  }

  /** Runs the steps from where a continued run was blocked (RunContinuation.at). */
  async resume(at: BlockedInStep, steps: Step[], path: JsonPath): Promise<void> {
    this.resuming = at;
    await this.runSteps(steps, path);
  }

  async runSteps(steps: Step[], path: JsonPath): Promise<void> {
    const resuming = this.resuming;
    const first = resuming && leadsTo(path, resuming.path) ? Number(resuming.path[path.length]) : 0;
    for (let i = first; i < steps.length; i++) {
      const step = steps[i];
      const here = [...path, i];
      const id = stepIdAt(step, here);
      this.run.currentStep = id;
      try {
        await this.runStep(step, id, here);
      } catch (err) {
        if (isCancellation(err) || err instanceof RunStop) throw err;
        // A failure retrying cannot fix (unknown template, invalid address): the step fails
        // clearly in the audit and the playbook goes on, so one bad email never stalls a rescue.
        const cause =
          err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause : err;
        const message = cause instanceof Error ? cause.message : String(cause);
        const type = cause instanceof ApplicationFailure ? cause.type : undefined;
        this.run.setStep(id, 'skipped', 'failed');
        this.run.record(this.now(), id, stepKind(step), 'failed', { error: message, type });
      }
      await this.afterStep();
    }
  }

  private async runStep(step: Step, id: string, path: JsonPath): Promise<void> {
    const resuming = this.resuming;
    if (resuming && leadsTo(path, resuming.path)) return this.resumeStep(step, id, path, resuming);
    const kind = stepKind(step);
    const at = () => this.now();
    if ('email' in step) {
      const sent = await activities.sendEmail({
        ...this.ref,
        stepId: id,
        template: step.email.template,
        to: step.email.to,
        run: this.runInfo,
      });
      this.run.setStep(id, 'done', sent.status);
      this.run.record(
        at(),
        id,
        kind,
        sent.status === 'sent' || sent.status === 'already_sent' ? 'sent' : sent.status,
        { subject: sent.subject, to: sent.to, template: step.email.template },
      );
    } else if ('task' in step) {
      const due = new Date(at().getTime() + this.ms(step.task.due ?? '2d'));
      const task = await activities.createTask({
        ...this.ref,
        stepId: id,
        task: step.task,
        dueAt: due.toISOString(),
        run: this.runInfo,
      });
      if (this.run.steps[id]?.status !== 'completed') this.run.setStep(id, 'open');
      this.run.record(at(), id, kind, 'created', {
        title: task.title,
        assignee: task.assignee,
        due: due.toISOString(),
        priority: step.task.priority ?? 'normal',
        taskId: task.taskId,
      });
    } else if ('wait' in step) {
      this.run.record(at(), id, kind, 'waiting', { for: step.wait });
      await this.beforeBlocking();
      const ms = this.ms(step.wait);
      await this.blockedIn({ kind: 'step', path, until: at().getTime() + ms }, () => sleep(ms));
      this.run.setStep(id, 'done');
    } else if ('waitFor' in step) {
      await this.waitFor(step.waitFor, id, path);
    } else if ('if' in step) {
      await this.refresh();
      const d = this.run.decide(step.if, at());
      const branch = d.result ? 'then' : 'else';
      this.run.setStep(id, 'done', branch);
      this.run.record(at(), id, kind, 'branch', {
        condition: step.if,
        branch,
        seen: d.seen,
        ...(d.error ? { error: d.error } : {}),
      });
      if (d.result) await this.runSteps(step.then, branchPath.then(path));
      else if (step.else) await this.runSteps(step.else, branchPath.else(path));
    } else if ('switch' in step) {
      await this.refresh();
      const cases = step.switch.cases;
      let chosen = -1;
      let seen: Record<string, unknown> = {};
      for (let j = 0; j < cases.length && chosen < 0; j++) {
        const d = this.run.decide(cases[j].when, at());
        seen = { ...seen, ...d.seen };
        if (d.result) chosen = j;
      }
      const branch = chosen >= 0 ? `case ${chosen + 1}` : 'default';
      this.run.setStep(id, 'done', branch);
      this.run.record(at(), id, kind, 'branch', {
        branch,
        condition: chosen >= 0 ? cases[chosen].when : null,
        seen,
      });
      if (chosen >= 0) await this.runSteps(cases[chosen].then, branchPath.case(path, chosen));
      else if (step.switch.default) await this.runSteps(step.switch.default, branchPath.default(path));
    } else if ('notify' in step) {
      const sent = await activities.notify({
        ...this.ref,
        stepId: id,
        to: step.notify.to,
        template: step.notify.template,
        message: step.notify.message,
        run: this.runInfo,
      });
      this.run.setStep(id, 'done');
      this.run.record(at(), id, kind, sent.status, { to: sent.to, template: step.notify.template });
    } else if ('outcome' in step) {
      const { name, end } =
        typeof step.outcome === 'string' ? { name: step.outcome, end: false } : step.outcome;
      await activities.recordOutcome({
        ...this.ref,
        stepId: id,
        name,
        control: this.run.input.control,
        at: at().toISOString(),
      });
      this.lastOutcome = name;
      this.run.setStep(id, 'done', name);
      this.run.record(at(), id, kind, 'recorded', { outcome: name, end: end ?? false });
      if (end) throw new RunStop('end', name);
    } else if ('update' in step) {
      await activities.updateAccountField({
        accountId: this.run.input.accountId,
        field: step.update.field,
        value: step.update.value,
      });
      this.applyUpdate(step.update.field, step.update.value);
      this.run.setStep(id, 'done');
      this.run.record(at(), id, kind, 'updated', { field: step.update.field, value: step.update.value });
    } else {
      const unknown: never = step;
      throw ApplicationFailure.nonRetryable(`unknown step kind in ${JSON.stringify(unknown)}`);
    }
  }

  private async waitFor(
    spec: Extract<Step, { waitFor: unknown }>['waitFor'],
    id: string,
    path: JsonPath,
  ): Promise<void> {
    const timeout = this.ms(spec.timeout);
    this.run.record(
      this.now(),
      id,
      'waitFor',
      'waiting',
      spec.task ? { task: spec.task, timeout: spec.timeout } : { event: spec.event, timeout: spec.timeout },
    );
    // An event that arrives while the run stores that it waits must release it: count from here.
    const seqAtWait = this.run.lastEventSeq;
    await this.beforeBlocking();
    const until = this.now().getTime() + timeout;
    let since: number | undefined;
    if (!spec.task) {
      // Runs recorded before the fix read the sequence after storing; replay keeps their reading.
      since = patched('waitfor-event-since-wait') ? seqAtWait : this.run.lastEventSeq;
    }
    const blocked: BlockedInStep = {
      kind: 'step',
      path,
      until,
      ...(since !== undefined ? { eventsSince: since } : {}),
    };
    const arrived = await this.blockedIn(blocked, () => condition(this.waitedFor(spec, since), timeout));
    await this.waitedForEnd(spec, id, path, arrived);
  }

  /** What a waitFor waits for: its task done, or its event received after `since`. */
  private waitedFor(spec: Extract<Step, { waitFor: unknown }>['waitFor'], since = 0): () => boolean {
    const target = spec.task;
    if (target) return () => ['completed', 'cancelled'].includes(this.run.steps[target]?.status ?? '');
    return () => this.run.events.some((e) => e.seq > since && e.name === spec.event);
  }

  private async waitedForEnd(
    spec: Extract<Step, { waitFor: unknown }>['waitFor'],
    id: string,
    path: JsonPath,
    arrived: boolean,
  ): Promise<void> {
    const kind = 'waitFor';
    if (arrived) {
      const outcome = spec.task ? this.run.steps[spec.task].outcome : String(spec.event);
      this.run.setStep(id, 'done', outcome);
      this.run.record(
        this.now(),
        id,
        kind,
        'done',
        spec.task ? { task: spec.task, outcome } : { event: spec.event },
      );
      return;
    }
    this.run.setStep(id, 'timed_out');
    this.run.record(this.now(), id, kind, 'timed_out', { timeout: spec.timeout });
    if (spec.onTimeout) await this.runSteps(spec.onTimeout, branchPath.onTimeout(path));
  }

  /** Marks the run blocked (a safe point to continue as new) while `wait` is pending. */
  private async blockedIn<T>(at: BlockedInStep, wait: () => Promise<T>): Promise<T> {
    this.run.blocked = at;
    try {
      return await wait();
    } finally {
      this.run.blocked = null;
    }
  }

  /**
   * A step on the way to where a continued run was blocked: the blocked wait or waitFor goes
   * on until its absolute deadline; a branch step enters the branch it took before (its
   * decision is in `steps.<id>` and the audit already) and goes on inside it.
   */
  private async resumeStep(step: Step, id: string, path: JsonPath, at: BlockedInStep): Promise<void> {
    const remaining = () => at.until - this.now().getTime();
    if (at.path.length === path.length) {
      this.resuming = null;
      if ('wait' in step) {
        if (remaining() > 0) await this.blockedIn(at, () => sleep(remaining()));
        this.run.setStep(id, 'done');
      } else if ('waitFor' in step) {
        const waited = this.waitedFor(step.waitFor, at.eventsSince);
        const arrived =
          waited() || (remaining() > 0 && (await this.blockedIn(at, () => condition(waited, remaining()))));
        await this.waitedForEnd(step.waitFor, id, path, arrived);
      } else {
        throw ApplicationFailure.nonRetryable(`a run cannot continue blocked in a ${stepKind(step)} step`);
      }
      return;
    }
    const branch = at.path.slice(path.length);
    if ('if' in step && branch[0] === 'then') await this.runSteps(step.then, branchPath.then(path));
    else if ('if' in step && branch[0] === 'else')
      await this.runSteps(step.else ?? [], branchPath.else(path));
    else if ('switch' in step && branch[1] === 'cases') {
      const chosen = Number(branch[2]);
      await this.runSteps(step.switch.cases[chosen].then, branchPath.case(path, chosen));
    } else if ('switch' in step && branch[1] === 'default')
      await this.runSteps(step.switch.default ?? [], branchPath.default(path));
    else if ('waitFor' in step && branch[1] === 'onTimeout')
      await this.runSteps(step.waitFor.onTimeout ?? [], branchPath.onTimeout(path));
    else throw ApplicationFailure.nonRetryable(`no step at ${at.path.join('.')} to continue from`);
  }

  /** Re-reads the account and its health so the next decision sees current data. */
  async refresh(): Promise<void> {
    const current = await activities.loadCurrentAccount({
      accountId: this.run.input.accountId,
      now: this.now().toISOString(),
    });
    this.run.account = current.account;
    // A signal may carry a newer observation than the stored one only for an instant; the
    // stored health is the system of record.
    if (current.health.band !== 'none') this.run.health = current.health;
  }

  private applyUpdate(field: string, value: string | number | boolean): void {
    const account = this.run.account;
    if (!account) return;
    if (field === 'lifecycle') account.lifecycle = String(value);
    else account.attributes = { ...account.attributes, [field.slice('attributes.'.length)]: value };
  }
}
