/**
 * The simulation's output: one entry per thing the playbook did, from the run's audit, with
 * its offset from enrolment. Printed as lines for people or as JSON for tools.
 */
import type { AuditEntry } from '../../workflows/contract.js';

export interface TimelineEntry {
  /** Seconds since enrolment. */
  t: number;
  step: string | null;
  kind: string;
  event: string;
  detail: Record<string, unknown>;
}

export function toTimeline(audit: AuditEntry[], enrolledAt: Date): TimelineEntry[] {
  return audit.map((a) => ({
    t: Math.max(0, Math.round((new Date(a.at).getTime() - enrolledAt.getTime()) / 1000)),
    step: a.step,
    kind: a.kind,
    event: a.event,
    detail: a.detail,
  }));
}

/** `+2d 00:00` (days, then hours:minutes). */
export function formatOffset(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const rest = seconds - days * 86_400;
  const hh = String(Math.floor(rest / 3600)).padStart(2, '0');
  const mm = String(Math.floor((rest % 3600) / 60)).padStart(2, '0');
  return `+${days}d ${hh}:${mm}`;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return value.map(show).join(', ');
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${show(v)}`)
      .join(', ')} }`;
  }
  return String(value);
}

/** The most telling detail fields first (subject and recipient, title and assignee, …). */
const preferred = [
  'subject',
  'to',
  'title',
  'assignee',
  'due',
  'priority',
  'branch',
  'condition',
  'seen',
  'outcome',
  'reason',
  'template',
  'message',
  'field',
  'value',
  'status',
];

export function describeDetail(detail: Record<string, unknown>): string {
  const keys = Object.keys(detail).sort((a, b) => {
    const ia = preferred.indexOf(a);
    const ib = preferred.indexOf(b);
    return (ia < 0 ? preferred.length : ia) - (ib < 0 ? preferred.length : ib) || a.localeCompare(b);
  });
  return keys
    .filter((k) => detail[k] !== undefined && detail[k] !== null && detail[k] !== '')
    .map((k) => `${k}=${show(detail[k])}`)
    .join('  ');
}

export function formatTimeline(entries: TimelineEntry[]): string {
  const stepWidth = Math.min(28, Math.max(4, ...entries.map((e) => (e.step ?? '-').length)));
  const kindWidth = Math.max(4, ...entries.map((e) => e.kind.length));
  return entries
    .map((e) => {
      const head = `${formatOffset(e.t).padEnd(10)} ${(e.step ?? '-').padEnd(stepWidth)} ${e.kind.padEnd(kindWidth)} ${e.event}`;
      const detail = describeDetail(e.detail);
      return detail ? `${head}  ${detail}` : head;
    })
    .join('\n');
}
