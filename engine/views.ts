/**
 * Builds what trigger and audience expressions see (language/context.ts) from stored
 * documents. A trigger has no run yet: `steps` is empty and `run` describes the would-be run.
 */
import type { AccountDoc } from '../lib/documents.js';
import type { AccountView, EventView, ExpressionContext, HealthView } from '../language/context.js';
import type { HealthState } from './documents.js';

const dayMs = 86_400_000;
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

export function healthView(health: Pick<HealthState, 'score' | 'band'> | undefined | null): HealthView {
  return health ? { score: health.score, band: health.band } : noHealth;
}

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
