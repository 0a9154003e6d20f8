/**
 * The shapes of the MongoDB documents shared by the API, the engine, activities and KPIs.
 * Ids are strings chosen by us (external ids, or `<runId>:<stepId>` for per-step records) so
 * that retried writes upsert the same document instead of inserting a twin.
 */
import type { HealthBand } from '../language/context.js';

export type Segment = 'high-touch' | 'low-touch' | 'tech-touch';

export interface Contact {
  email: string;
  name: string;
  role: string;
  timezone?: string;
}

export interface AccountDoc {
  _id: string;
  name: string;
  segment: Segment;
  plan: string;
  /** Initial MRR at contract start (KPIs derive later MRR from account events). */
  mrr: number;
  /** Owning CSM's user id. */
  csm: string;
  contacts: Contact[];
  startedAt: Date;
  renewalAt?: Date;
  lifecycle: string;
  attributes: Record<string, string | number | boolean>;
  health?: { score: number; band: HealthBand; observedAt: Date };
  /** Set on accounts brought in by POST /v1/history: the batch's key (a retried batch finds its own). */
  importBatch?: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface HealthObservationDoc {
  _id: string;
  accountId: string;
  score: number;
  band: HealthBand;
  previousBand: HealthBand | 'none';
  components?: Record<string, number>;
  observedAt: Date;
  receivedAt: Date;
}

export interface RunDoc {
  /** Temporal workflow id + first run id, `run:<playbook>:<account>/<uuid>`. */
  _id: string;
  workflowId: string;
  accountId: string;
  playbookId: string;
  playbookVersion: number;
  control: boolean;
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  currentStep: string | null;
  outcome: string | null;
  goalReached: boolean | null;
  trigger: Record<string, unknown>;
  audit: Array<{
    at: Date;
    step: string | null;
    kind: string;
    event: string;
    detail: Record<string, unknown>;
  }>;
  startedAt: Date;
  endedAt?: Date;
  cancelReason?: string;
}

export interface TaskDoc {
  /** `<runId>:<stepId>`: one task per run and step, however often the activity retries. */
  _id: string;
  runId: string;
  workflowId: string;
  stepId: string;
  accountId: string;
  playbookId: string;
  assignee: string;
  title: string;
  description: string;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  due: Date;
  outcomes: string[];
  status: 'open' | 'completed' | 'cancelled';
  outcome?: string | null;
  note?: string;
  comments: Array<{ at: Date; by: string; text: string }>;
  snoozedUntil?: Date;
  createdAt: Date;
  completedAt?: Date;
  cancelledAt?: Date;
}

export interface EmailDoc {
  /** `<runId>:<stepId>` (outbox key): a retried send never sends the same step twice. */
  _id: string;
  runId: string;
  stepId: string;
  accountId: string;
  template: string;
  category: string;
  to: string[];
  subject: string;
  status: 'pending' | 'sent' | 'suppressed' | 'failed';
  messageId?: string;
  error?: string;
  createdAt: Date;
  sentAt?: Date;
}

export interface OutcomeDoc {
  /** `<runId>:<stepId or 'goal'|'end'>`. */
  _id: string;
  runId: string;
  accountId: string;
  playbookId: string;
  name: string;
  control: boolean;
  recordedAt: Date;
}

export interface SuppressionDoc {
  /** `<email lower-case>:<category>` or `<email>:*` for all marketing/CS mail. */
  _id: string;
  email: string;
  category: string;
  createdAt: Date;
}
