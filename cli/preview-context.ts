/**
 * Builds the template context for `retain preview` from an account JSON file shaped like the
 * API's account (POST /v1/accounts), plus a sample CSM and health score. Kept apart from the
 * command so tests can render the shipped templates against the same context.
 */
import type { HealthBand } from '../language/context.js';
import type { TemplateContext } from '../language/templates.js';

export interface PreviewContact {
  email: string;
  name: string;
  role: string;
}

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
  healthScore?: number;
  csm?: { name: string; email: string };
}

const DAY_MS = 86_400_000;

/** Default health bands (70 / 40); the real thresholds are configurable on the server. */
export function bandFor(score: number): HealthBand {
  return score >= 70 ? 'green' : score >= 40 ? 'yellow' : 'red';
}

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

/** `primary` = the contact with role "primary", else the first; `all`; `role:<name>`. */
export function recipientsFor(contacts: PreviewContact[], to: string): PreviewContact[] {
  if (to === 'all') return contacts;
  if (to.startsWith('role:')) return contacts.filter((c) => c.role === to.slice(5));
  const primary = contacts.find((c) => c.role === 'primary') ?? contacts[0];
  return primary ? [primary] : [];
}

export function sampleCsm(account: PreviewAccount): { id: string; name: string; email: string } {
  // An account's csm may already be an email; otherwise invent a clearly fictional one.
  if (!account.csm.includes('@'))
    return { id: account.csm, name: 'Maya Ortiz', email: 'maya.ortiz@example.com' };
  // "maya.patel@…" → "Maya Patel": close enough for a preview of the signature.
  const name = account.csm
    .split('@')[0]
    .split(/[._-]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(' ');
  return { id: account.csm, name: name || 'Your CSM', email: account.csm };
}

export function previewContext(
  account: PreviewAccount,
  contact: PreviewContact,
  options: PreviewOptions,
): TemplateContext {
  const started = iso(account.startedAt, 'startedAt');
  const renewal = account.renewalAt ? iso(account.renewalAt, 'renewalAt') : undefined;
  const now = options.now.getTime();
  const score = options.healthScore ?? account.health?.score ?? 65;
  const csm = options.csm ? { id: account.csm, ...options.csm } : sampleCsm(account);
  return {
    account: {
      id: account.id,
      name: account.name,
      segment: account.segment,
      plan: account.plan,
      mrr: account.mrr,
      lifecycle: account.lifecycle ?? 'onboarding',
      csm: account.csm,
      daysSinceStart: Math.max(0, Math.floor((now - started.getTime()) / DAY_MS)),
      daysToRenewal: renewal ? Math.max(0, Math.ceil((renewal.getTime() - now) / DAY_MS)) : -1,
      attributes: account.attributes ?? {},
      startedAt: started.toISOString(),
      renewalAt: renewal ? renewal.toISOString() : null,
    },
    contact: { email: contact.email, name: contact.name, role: contact.role },
    csm,
    health: { score, band: bandFor(score) },
    run: {
      id: `preview:${options.playbookId}:${account.id}`,
      playbookId: options.playbookId,
      version: 0,
      daysSinceStart: 0,
      control: false,
      startedAt: options.now.toISOString(),
    },
    // `.invalid` can never resolve: a preview link must not look like a working one.
    unsubscribeUrl: 'https://retain.invalid/v1/unsubscribe/preview',
  };
}
