/**
 * The account file of `retain preview` (shaped like the API's account, POST /v1/accounts) as
 * the stored account the worker would read, and the template context built from it by the
 * builders the activities call (language/context.ts): recipients, day counts and the band are
 * not worked out here, so a preview shows what would be sent. Kept apart from the command so
 * tests can render the shipped templates against the same context.
 */
import { newAccountDoc, type AccountDoc, type Contact } from '../lib/documents.js';
import {
  csmFromOwner,
  internalContext,
  templateContext,
  type CsmView,
  type InlineTextContext,
  type RunInfo,
  type TemplateContext,
} from '../language/context.js';
import { healthBand, type HealthThresholds } from '../language/health-band.js';

export type PreviewContact = Contact;

export interface PreviewAccount {
  id: string;
  name: string;
  segment: 'high-touch' | 'low-touch' | 'tech-touch';
  plan: string;
  mrr: number;
  /** The owning CSM: a user id or an email. */
  csm: string;
  contacts: PreviewContact[];
  startedAt: string;
  renewalAt?: string;
  lifecycle?: string;
  attributes?: Record<string, string | number | boolean>;
  /** Not part of the API's account: lets a sample file carry a health score for the preview. */
  health?: { score: number };
}

export interface PreviewOptions {
  playbookId: string;
  /** "Today" for daysSinceStart / daysToRenewal; fixed in tests so output is stable. */
  now: Date;
  /** The health bands the server is configured with. */
  thresholds: HealthThresholds;
  /** Overrides the file's score; without either the preview uses 65. */
  healthScore?: number;
}

/** `.invalid` can never resolve: a preview link must not look like a working one. */
export const PREVIEW_UNSUBSCRIBE_URL = 'https://retain.invalid/v1/unsubscribe/preview';
const DEFAULT_SCORE = 65;

function iso(text: string, field: string): Date {
  const date = new Date(text);
  if (Number.isNaN(date.getTime()))
    throw new Error(`account.${field} "${text}" is not a date (use ISO 8601, e.g. 2026-03-01T00:00:00Z)`);
  return date;
}

/** Checks the parts of the account file the preview relies on, with messages for a person. */
export function checkPreviewAccount(value: unknown): PreviewAccount {
  const a = value as Partial<PreviewAccount> | null;
  if (typeof a !== 'object' || a === null) throw new Error('the account file must hold a JSON object');
  for (const field of ['id', 'name', 'segment', 'plan', 'csm', 'startedAt'] as const) {
    if (typeof a[field] !== 'string') throw new Error(`the account file needs "${field}" (text)`);
  }
  if (typeof a.mrr !== 'number') throw new Error('the account file needs "mrr" (a number)');
  if (!Array.isArray(a.contacts) || a.contacts.length === 0)
    throw new Error('the account file needs at least one contact in "contacts"');
  return a as PreviewAccount;
}

/**
 * The account as it would be stored, with the health it is previewed at (the option, else the
 * file's, else 65) in the band the thresholds give it.
 */
export function previewAccountDoc(account: PreviewAccount, options: PreviewOptions): AccountDoc {
  const { now } = options;
  const score = options.healthScore ?? account.health?.score ?? DEFAULT_SCORE;
  const dates = {
    startedAt: iso(account.startedAt, 'startedAt'),
    ...(account.renewalAt ? { renewalAt: iso(account.renewalAt, 'renewalAt') } : {}),
  };
  return {
    ...newAccountDoc({ ...account, ...dates }, now),
    health: { score, band: healthBand(score, options.thresholds), observedAt: now },
  };
}

/**
 * The CSM a preview signs with. The worker reads the CSM's user record, which a preview has
 * not: an owner given as an email is named as the worker names it without a record
 * ("maya.patel@…" → Maya Patel), a user id gets a clearly fictional sample.
 */
export function previewCsm(owner: string): CsmView {
  if (!owner.includes('@')) return { id: owner, name: 'Maya Ortiz', email: 'maya.ortiz@example.com' };
  return csmFromOwner(owner);
}

function previewRun(playbookId: string, accountId: string, now: Date): RunInfo {
  return {
    runId: `preview:${playbookId}:${accountId}`,
    playbookId,
    version: 0,
    startedAt: now.toISOString(),
    daysSinceStart: 0,
  };
}

/** What an email step's template sees when it writes to `contact`. */
export function previewContext(
  account: PreviewAccount,
  contact: PreviewContact,
  options: PreviewOptions,
): TemplateContext {
  const doc = previewAccountDoc(account, options);
  const run = previewRun(options.playbookId, account.id, options.now);
  return {
    ...templateContext(doc, contact, previewCsm(account.csm), run, options.now),
    unsubscribeUrl: PREVIEW_UNSUBSCRIBE_URL,
  };
}

/** What a notify step's template (or any text for the CSM) sees. */
export function previewInternalContext(account: PreviewAccount, options: PreviewOptions): InlineTextContext {
  const doc = previewAccountDoc(account, options);
  const run = previewRun(options.playbookId, account.id, options.now);
  return internalContext(doc, previewCsm(account.csm), run, options.now);
}
