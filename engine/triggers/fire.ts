/**
 * How a fact fires, the same for every trigger kind: of the live playbooks listening for the
 * kind, those the kind's filter accepts are each enrolled, inside the kind's once-only claim if
 * it has one. The listening playbooks are an argument, so a batch of facts shares one read of the
 * catalog; a batch of facts of a kind without a claim is decided together (`fireAll`).
 */
import type { AccountDoc, EnrolmentResult, EnrolmentStatus } from '../../lib/documents.js';
import type { EventView, HealthView } from '../../language/context.js';
import type { TriggerOn } from '../../language/schema.js';
import { enrol, enrolAll, type EnrolmentDeps, type EnrolmentRequest } from '../enrolment.js';
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
  if (!kind.claim)
    return fireAll(deps, kind, [fact], listening).then(([answers]) => {
      const failed = answers.find((a): a is Error => a instanceof Error);
      if (failed) throw failed;
      return answers as EnrolmentResult[];
    });
  const claimOf = kind.claim.bind(kind);
  return Promise.all(
    firingPlaybooks(kind, fact, listening).map((playbook) => {
      const request = requestFor(kind, fact, playbook);
      const claim = claimOf(fact, playbook);
      return enrolOnce(
        deps.db,
        { ...claim, playbookId: playbook.id, accountId: request.account._id },
        () => enrol(deps, request),
        deps.now(),
      );
    }),
  );
}

/**
 * A batch of facts of a kind without a claim (health observations, events): every request of
 * the batch decided together (engine/enrolment.ts), one answer list per fact, in order. An
 * entry is an Error when that one start failed; the other answers stand.
 */
export async function fireAll<On extends TriggerOn, Fact>(
  deps: TriggerDeps,
  kind: TriggerKind<On, Fact>,
  facts: Fact[],
  listening: LivePlaybook[],
): Promise<Array<Array<EnrolmentResult | Error>>> {
  const owners: number[] = [];
  const requests: EnrolmentRequest[] = [];
  facts.forEach((fact, index) => {
    for (const playbook of firingPlaybooks(kind, fact, listening)) {
      owners.push(index);
      requests.push(requestFor(kind, fact, playbook));
    }
  });
  const answers = await enrolAll(deps, requests);
  const byFact = facts.map((): Array<EnrolmentResult | Error> => []);
  answers.forEach((answer, i) => byFact[owners[i]].push(answer));
  return byFact;
}

function firingPlaybooks<On extends TriggerOn, Fact>(
  kind: TriggerKind<On, Fact>,
  fact: Fact,
  listening: LivePlaybook[],
): LivePlaybook[] {
  return listening.filter((playbook) => kind.accepts?.(fact, playbook) ?? true);
}

function requestFor<On extends TriggerOn, Fact>(
  kind: TriggerKind<On, Fact>,
  fact: Fact,
  playbook: LivePlaybook,
): EnrolmentRequest {
  return { playbook, on: kind.on, skipTriggerWhen: kind.skipTriggerWhen, ...kind.firing(fact, playbook) };
}

/** The account's health as stored: what a trigger that brings no health of its own sees. */
export function storedHealth(account: AccountDoc): { health: HealthView; previous: HealthView } {
  const health = healthView(account.health);
  return { health, previous: account.previousHealth ? healthView(account.previousHealth) : health };
}
