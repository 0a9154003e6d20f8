/**
 * Everything a run knows: the current account and health (refreshed by activities, pushed by
 * signals), each step's status and outcome, events received, and the audit trail. Pure
 * workflow-side state: deterministic, no I/O.
 */
import type { ExpressionContext, HealthView, StepView, AccountView } from '../language/context.js';
import type { Playbook } from '../language/schema.js';
import { allSteps, stepIdAt } from '../language/step-tree.js';
import { evaluateCondition } from '../language/expressions.js';
import { dayMs } from '../language/durations.js';
import type {
  AccountEventSignal,
  AuditEntry,
  BlockedAt,
  RunContinuation,
  HealthChange,
  RunInput,
  RunExecution,
  RunResult,
  RunStateView,
  TaskCompletion,
} from './contract.js';
import { seenValues } from './seen-values.js';

export interface Decision {
  result: boolean;
  seen: Record<string, unknown>;
  error?: string;
}

/** Audit entries a run keeps in memory (older ones are persisted in `runAudit`). */
export const auditWindow = 200;

/** Longest text of a signal recorded in the audit (a task's note, an event's data values). */
export const auditTextLimit = 500;

/** A signal's free text as the audit records it: cut at auditTextLimit characters. */
export function capText(text: string | undefined): string | undefined {
  return text !== undefined && text.length > auditTextLimit ? `${text.slice(0, auditTextLimit)}…` : text;
}

export class RunState {
  readonly playbook: Playbook;
  account: AccountView | null = null;
  health: HealthView;
  previous: HealthView;
  readonly steps: Record<string, StepView> = {};
  events: Array<AccountEventSignal & { seq: number }> = [];
  /**
   * The audit's last entries (at least auditWindow of them, and every one not persisted yet);
   * `audit[0]` is entry number `auditBase` of the whole trail.
   */
  audit: AuditEntry[] = [];
  auditBase = 0;
  /** How many audit entries are already persisted in MongoDB. */
  persisted = 0;
  /** Where the run is blocked (a wait, a waitFor, the goal's window), null while it works. */
  blocked: BlockedAt | null = null;
  /** Activities the run awaits besides its steps' (the goal watcher's re-read, audit writes). */
  inFlight = 0;
  currentStep: string | null = null;
  cancelReason: string | null = null;
  goalMet = false;
  /** Set by signals that say account data changed; the goal watcher re-reads and re-checks. */
  refreshWanted = false;
  /** Set once the run has ended, so the state query reports how. */
  result: RunResult | null = null;
  private eventSeq = 0;

  constructor(
    readonly input: RunInput,
    /** The run's id in the API and MongoDB (runIdFor); `execution` says where Temporal keeps it. */
    readonly runId: string,
    readonly execution: RunExecution,
    readonly startedAt: Date,
  ) {
    this.playbook = input.playbook;
    const seen = input.trigger.seen as { health?: HealthView; previous?: HealthView };
    this.health = seen.health ?? { score: -1, band: 'none' };
    this.previous = seen.previous ?? { score: -1, band: 'none' };
    // Every step id of the playbook, so `steps.<id>` reads `pending` before the step runs.
    for (const node of allSteps(this.playbook.steps))
      this.steps[stepIdAt(node.step, node.path)] = { status: 'pending', outcome: '' };
  }

  /** What the state query answers: running (or cancelling), or how the run ended. */
  view(): RunStateView {
    if (this.result) return { status: this.result.status, currentStep: null, outcome: this.result.outcome };
    return { status: 'running', currentStep: this.currentStep, outcome: null };
  }

  context(now: Date): ExpressionContext {
    return {
      account: this.account ?? {
        id: this.input.accountId,
        name: '',
        segment: 'tech-touch',
        plan: '',
        mrr: 0,
        lifecycle: '',
        csm: '',
        daysSinceStart: 0,
        daysToRenewal: -1,
        attributes: {},
      },
      health: this.health,
      previous: this.previous,
      steps: this.steps,
      run: {
        id: this.runId,
        playbookId: this.input.playbookId,
        version: this.input.playbookVersion,
        daysSinceStart: Math.floor((now.getTime() - this.startedAt.getTime()) / dayMs),
        control: this.input.control,
      },
      event: this.input.trigger.event ?? { name: '', data: {} },
    };
  }

  /** Evaluates a condition; an evaluation error (e.g. a missing attribute) counts as false. */
  decide(expression: string, now: Date): Decision {
    const ctx = this.context(now);
    const seen = seenValues(expression, ctx);
    try {
      return { result: evaluateCondition(expression, ctx), seen };
    } catch (err) {
      return { result: false, seen, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /** Re-evaluates the goal; true when it holds now. */
  checkGoal(now: Date): Decision | null {
    const goal = this.playbook.goal;
    if (!goal || this.goalMet) return null;
    const decision = this.decide(goal.when, now);
    if (decision.result) this.goalMet = true;
    return decision;
  }

  record(
    now: Date,
    step: string | null,
    kind: string,
    event: string,
    detail: Record<string, unknown> = {},
  ): void {
    this.audit.push({ at: now.toISOString(), step, kind, event, detail });
    this.trimAudit();
  }

  /** Entries of the whole trail recorded so far. */
  get auditLength(): number {
    return this.auditBase + this.audit.length;
  }

  /** The entries not persisted yet, and the trail position of the first. */
  unpersisted(): { from: number; entries: AuditEntry[] } {
    return { from: this.persisted, entries: this.audit.slice(this.persisted - this.auditBase) };
  }

  markPersisted(upTo: number): void {
    // max: a batch that overlaps one still in flight is stored once (appendAudit).
    this.persisted = Math.max(this.persisted, upTo);
    this.trimAudit();
  }

  /** Drops the oldest persisted entries beyond the window. */
  private trimAudit(): void {
    const drop = Math.min(this.audit.length - auditWindow, this.persisted - this.auditBase);
    if (drop > 0) {
      this.audit = this.audit.slice(drop);
      this.auditBase += drop;
    }
  }

  /** `refresh`: whether the goal reads more than the health the signal carries. */
  onHealth(change: HealthChange, refresh = true): void {
    this.previous = change.previous;
    this.health = change.health;
    if (refresh) this.refreshWanted = true;
  }

  onTaskCompleted(completion: TaskCompletion): void {
    const step = this.steps[completion.stepId];
    // `pending` too: the CSM can complete the task as soon as the activity stored it, and the
    // signal may be delivered before the activity's result reaches the workflow.
    if (step && (step.status === 'open' || step.status === 'pending')) {
      this.steps[completion.stepId] = { status: 'completed', outcome: completion.outcome ?? '' };
    }
  }

  onEvent(event: AccountEventSignal): number {
    this.eventSeq += 1;
    this.events.push({ ...event, seq: this.eventSeq });
    this.refreshWanted = true;
    return this.eventSeq;
  }

  /** Sequence number of the last event received so far (a waitFor only counts later ones). */
  get lastEventSeq(): number {
    return this.eventSeq;
  }

  setStep(id: string, status: StepView['status'], outcome = ''): void {
    this.steps[id] = { status, outcome };
  }

  /** Takes over what the previous execution knew (RunInput.continued). */
  restore(c: RunContinuation): void {
    Object.assign(this.steps, c.steps);
    this.account = c.account;
    this.health = c.health;
    this.previous = c.previous;
    this.events = c.events;
    this.eventSeq = c.eventSeq;
    this.refreshWanted = c.refreshWanted;
    this.audit = c.audit;
    this.auditBase = c.auditBase;
    this.persisted = c.persisted;
  }

  /** The state the next execution starts from; `at`: where this one is blocked. */
  snapshot(
    at: BlockedAt,
    rest: Pick<RunContinuation, 'windowEndsAt' | 'lastOutcome' | 'continuations'>,
  ): RunContinuation {
    // Only a blocked event waitFor looks at events received before the next execution.
    const since = at.kind === 'step' ? at.eventsSince : undefined;
    return {
      at,
      startedAt: this.startedAt.toISOString(),
      steps: this.steps,
      account: this.account,
      health: this.health,
      previous: this.previous,
      events: since === undefined ? [] : this.events.filter((e) => e.seq > since),
      eventSeq: this.eventSeq,
      refreshWanted: this.refreshWanted,
      audit: this.audit,
      auditBase: this.auditBase,
      persisted: this.persisted,
      ...rest,
    };
  }
}
