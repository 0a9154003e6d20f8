/**
 * How a fact fires, the same for every trigger kind: of the live playbooks listening for the
 * kind, those the kind's filter accepts are each enrolled, inside the kind's once-only claim if
 * it has one. Playbooks are independent, so they are tried in parallel. The listening playbooks
 * are an argument, so a batch of facts shares one read of the catalog.
 */
import type { AccountDoc, EnrolmentResult, EnrolmentStatus } from '../../lib/documents.js';
import type { EventView, HealthView } from '../../language/context.js';
import type { TriggerOn } from '../../language/schema.js';
import { enrol, type EnrolmentDeps } from '../enrolment.js';
import type { LivePlaybook, PlaybookCatalog } from '../playbook-catalog.js';
import { healthView } from '../../language/context.js';
import { enrolOnce } from './claims.js';

export type TriggerDeps = EnrolmentDeps & { catalog: PlaybookCatalog };

/** What a trigger hands to enrolment: the values its conditions see, and what caused it. */
export interface Firing {
  account: AccountDoc;
  health: HealthView;
  previous: HealthView;
  event?: EventView & { occurredAt?: string };
  /** Recorded on the enrolment and the run: the observation, event or claim behind it. */
  sourceKey?: string;
}

/** One kind of trigger (language/schema.ts `TriggerOn`): how a fact of that kind fires. */
export interface TriggerKind<On extends TriggerOn, Fact> {
  on: On;
  /** What `trigger.when` and `audience.when` see, for this fact and this playbook. */
  firing(fact: Fact, playbook: LivePlaybook): Firing;
  /** Which of the listening playbooks the fact concerns (e.g. by event name); all when absent. */
  accepts?(fact: Fact, playbook: LivePlaybook): boolean;
  /** Once-only kinds: the claim that makes a repeat of the fact (a retry, the next scan) a no-op. */
  claim?(fact: Fact, playbook: LivePlaybook): { id: string; final: EnrolmentStatus[] };
  /** A person decided (`manual`): only the audience applies, not `trigger.when`. */
  skipTriggerWhen?: boolean;
}

/** The live playbooks listening for `on`: read once, then passed to `fire` for every fact. */
export function listeningTo(deps: TriggerDeps, on: TriggerOn): Promise<LivePlaybook[]> {
  return deps.catalog.live(on);
}

export function fire<On extends TriggerOn, Fact>(
  deps: TriggerDeps,
  kind: TriggerKind<On, Fact>,
  fact: Fact,
  listening: LivePlaybook[],
): Promise<EnrolmentResult[]> {
  const firing = listening.filter((playbook) => kind.accepts?.(fact, playbook) ?? true);
  return Promise.all(
    firing.map((playbook) => {
      const seen = kind.firing(fact, playbook);
      const decide = () =>
        enrol(deps, { playbook, on: kind.on, skipTriggerWhen: kind.skipTriggerWhen, ...seen });
      const claim = kind.claim?.(fact, playbook);
      if (!claim) return decide();
      return enrolOnce(
        deps.db,
        { ...claim, playbookId: playbook.id, accountId: seen.account._id },
        decide,
        deps.now(),
      );
    }),
  );
}

/** The account's health as stored: what a trigger that brings no health of its own sees. */
export function storedHealth(account: AccountDoc): { health: HealthView; previous: HealthView } {
  const health = healthView(account.health);
  return { health, previous: account.previousHealth ? healthView(account.previousHealth) : health };
}
