/**
 * What expressions (CEL) and templates (Handlebars) see. The workflow builds this from current
 * data before every decision; the validator type-checks expressions against the same shape.
 * Values are plain JSON (numbers, strings, booleans, objects), never BigInt or Date.
 */
export type HealthBand = 'green' | 'yellow' | 'red';

export interface AccountView {
  id: string;
  name: string;
  segment: 'high-touch' | 'low-touch' | 'tech-touch';
  plan: string;
  mrr: number;
  /** onboarding | adoption | expansion | … (free text set by `update` steps or the API). */
  lifecycle: string;
  /** The owning CSM's user id ('' when none). */
  csm: string;
  daysSinceStart: number;
  /** Days until renewalAt; -1 when the account has no renewal date. */
  daysToRenewal: number;
  /** Integration-provided data, e.g. seatsUsed, seatLimit, activated. */
  attributes: Record<string, string | number | boolean>;
}

export interface HealthView {
  /** 0–100; -1 when the account has no health score yet. */
  score: number;
  /** 'none' when the account has no health score yet. */
  band: HealthBand | 'none';
}

export interface StepView {
  /** pending (not reached), done, open (task waiting), completed (task), cancelled, timed_out, skipped. */
  status: 'pending' | 'done' | 'open' | 'completed' | 'cancelled' | 'timed_out' | 'skipped';
  /** The task outcome chosen by the CSM, or the branch taken; '' when none. */
  outcome: string;
}

export interface RunView {
  id: string;
  playbookId: string;
  version: number;
  daysSinceStart: number;
  control: boolean;
}

export interface EventView {
  name: string;
  data: Record<string, string | number | boolean>;
}

export interface ExpressionContext {
  account: AccountView;
  health: HealthView;
  /** The health before the change that triggered (health.changed) or the last seen one. */
  previous: HealthView;
  steps: Record<string, StepView>;
  run: RunView;
  /** The event that triggered the run ('' name when none). */
  event: EventView;
}
