/**
 * What expressions (CEL) and templates (Handlebars) see, and the one place where it is built
 * from stored documents. The engine (triggers), the activities (decisions, emails, tasks,
 * notifications) and `retain preview` call these builders; the validator checks templates
 * against the shapes declared here, which the compiler holds to the types; so what a playbook
 * is checked against is what it is rendered with. Values are plain JSON (numbers, strings,
 * booleans, objects), never BigInt or Date. Pure and sandbox-safe: the workflow imports it.
 */
import type { AccountDoc, Contact } from '../lib/documents.js';
import { dayMs } from './durations.js';
import type { Segment } from './schema.js';

export type HealthBand = 'green' | 'yellow' | 'red';

export interface AccountView {
  id: string;
  name: string;
  segment: Segment;
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

export interface ContactView {
  email: string;
  name: string;
  role: string;
}

export interface CsmView {
  id: string;
  name: string;
  email: string;
}

/** What an email template sees. Dates are ISO-8601 strings; `renewalAt` is null when unknown. */
export interface TemplateContext {
  account: AccountView & { startedAt: string; renewalAt: string | null };
  /** The recipient; for an `internal` template the account's primary contact (see internalContext). */
  contact: ContactView;
  csm: CsmView;
  health: HealthView;
  run: RunView & { startedAt: string };
  /** Signed one-click link for this recipient and category; absent for `internal` mail. */
  unsubscribeUrl?: string;
}

/**
 * What a task title or description and a notify message see: everything an email sees except
 * the unsubscribe link, which only a customer's email has. `contact` is the account's primary
 * contact, with empty fields when the account has no contact.
 */
export type InlineTextContext = Omit<TemplateContext, 'unsubscribeUrl'>;

/** What a template can read. `'*'` = any key (integration-provided attributes); `true` = a value. */
export type VariableShape = true | '*' | { [key: string]: VariableShape };

/** The shape of a context type, so a shape below that misses or adds a field does not compile. */
type ShapeOf<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends object
    ? string extends keyof NonNullable<T[K]>
      ? '*'
      : ShapeOf<NonNullable<T[K]>>
    : true;
};

/** What the validator lets a task or notify text read (InlineTextContext). */
export const INLINE_TEXT_VARIABLES: ShapeOf<InlineTextContext> = {
  account: {
    id: true,
    name: true,
    segment: true,
    plan: true,
    mrr: true,
    lifecycle: true,
    csm: true,
    daysSinceStart: true,
    daysToRenewal: true,
    startedAt: true,
    renewalAt: true,
    attributes: '*',
  },
  contact: { email: true, name: true, role: true },
  csm: { id: true, name: true, email: true },
  health: { score: true, band: true },
  run: { id: true, playbookId: true, version: true, daysSinceStart: true, control: true, startedAt: true },
};

/** What the validator lets an email template read (TemplateContext). */
export const TEMPLATE_VARIABLES: ShapeOf<TemplateContext> = {
  ...INLINE_TEXT_VARIABLES,
  unsubscribeUrl: true,
};

export const noHealth: HealthView = { score: -1, band: 'none' };

export function accountView(account: AccountDoc, now: Date): AccountView {
  return {
    id: account._id,
    name: account.name,
    segment: account.segment,
    plan: account.plan,
    mrr: account.mrr,
    lifecycle: account.lifecycle,
    csm: account.csm ?? '',
    daysSinceStart: Math.floor((now.getTime() - new Date(account.startedAt).getTime()) / dayMs),
    // Ceil: a renewal later today is 1 day away, not 0, so "daysToRenewal <= 90" is exact at day granularity.
    daysToRenewal: account.renewalAt
      ? Math.max(0, Math.ceil((new Date(account.renewalAt).getTime() - now.getTime()) / dayMs))
      : -1,
    attributes: account.attributes ?? {},
  };
}

export function healthView(health: { score: number; band: HealthBand } | undefined | null): HealthView {
  return health ? { score: health.score, band: health.band } : noHealth;
}

/** What trigger and audience expressions see. There is no run yet: `run` describes the would-be run. */
export function triggerContext(input: {
  account: AccountDoc;
  health: HealthView;
  previous: HealthView;
  playbookId: string;
  version: number;
  event?: EventView;
  now: Date;
}): ExpressionContext {
  return {
    account: accountView(input.account, input.now),
    health: input.health,
    previous: input.previous,
    steps: {},
    run: { id: '', playbookId: input.playbookId, version: input.version, daysSinceStart: 0, control: false },
    event: input.event ?? { name: '', data: {} },
  };
}

/** The run as the workflow describes it to the activities that render on its behalf. */
export interface RunInfo {
  runId: string;
  playbookId: string;
  version: number;
  /** ISO-8601. */
  startedAt: string;
  daysSinceStart: number;
  control?: boolean;
}

/** An email step's `to`: `primary` (default) is the contact whose role is `primary`, else the first; `all`; `role:<name>`. */
export function selectRecipients<C extends ContactView>(contacts: readonly C[], to = 'primary'): C[] {
  if (to === 'all') return [...contacts];
  if (to.startsWith('role:')) return contacts.filter((c) => c.role === to.slice(5));
  const primary = contacts.find((c) => c.role === 'primary') ?? contacts[0];
  return primary ? [primary] : [];
}

const addressPattern = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;

/** Whether a text can be used as an email address (one address, no display name). */
export function isEmailAddress(text: string): boolean {
  return addressPattern.test(text);
}

/**
 * The CSM as templates name them when no user record does (imports, simulation, preview): an
 * owner given as an email is reached there, named after it ("maya.patel@…" → "Maya Patel").
 */
export function csmFromOwner(owner: string): CsmView {
  if (!isEmailAddress(owner)) return { id: '', name: 'Your Customer Success team', email: '' };
  const name = owner
    .split('@')[0]
    .split(/[._-]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
  return { id: owner, name: name || 'Your Customer Success team', email: owner };
}

/** What an email template sees when `contact` is its recipient (the unsubscribe link is the sender's to add). */
export function templateContext(
  account: AccountDoc,
  contact: ContactView,
  csm: CsmView,
  run: RunInfo,
  now: Date,
): InlineTextContext {
  return {
    account: {
      ...accountView(account, now),
      startedAt: new Date(account.startedAt).toISOString(),
      renewalAt: account.renewalAt ? new Date(account.renewalAt).toISOString() : null,
    },
    contact: { email: contact.email, name: contact.name, role: contact.role },
    csm: { id: csm.id, name: csm.name, email: csm.email },
    health: healthView(account.health),
    run: {
      id: run.runId,
      playbookId: run.playbookId,
      version: run.version,
      daysSinceStart: run.daysSinceStart,
      control: run.control ?? false,
      startedAt: run.startedAt,
    },
  };
}

const noContact: Contact = { email: '', name: '', role: '' };

/**
 * What texts for our own CSMs see (task title and description, notify message and template):
 * they have no recipient among the account's contacts, so `contact` is the primary contact.
 */
export function internalContext(
  account: AccountDoc,
  csm: CsmView,
  run: RunInfo,
  now: Date,
): InlineTextContext {
  const [primary] = selectRecipients(account.contacts ?? [], 'primary');
  return templateContext(account, primary ?? noContact, csm, run, now);
}
