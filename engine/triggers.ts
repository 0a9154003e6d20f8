/**
 * Trigger dispatch: for one account and one kind of trigger, try every live playbook listening
 * for it. Playbooks are independent, so they are tried in parallel.
 */
import type { AccountDoc } from '../lib/documents.js';
import type { EventView, HealthView } from '../language/context.js';
import type { TriggerOn } from '../language/schema.js';
import type { EnrolmentResult } from './documents.js';
import { enrol, type EnrolmentDeps } from './enrolment.js';
import type { LivePlaybook, PlaybookCatalog } from './playbook-catalog.js';

export interface TriggerFiring {
  on: TriggerOn;
  account: AccountDoc;
  health: HealthView;
  previous: HealthView;
  event?: EventView & { occurredAt?: string };
  sourceKey?: string;
  /** Narrows the listening playbooks, e.g. event triggers by event name. */
  accepts?: (playbook: LivePlaybook) => boolean;
  /** Wraps each enrolment, e.g. in a once-only claim. */
  around?: (playbook: LivePlaybook, decide: () => Promise<EnrolmentResult>) => Promise<EnrolmentResult>;
}

export async function fireTrigger(
  deps: EnrolmentDeps & { catalog: PlaybookCatalog },
  firing: TriggerFiring,
): Promise<EnrolmentResult[]> {
  const listening = (await deps.catalog.live(firing.on)).filter((p) => firing.accepts?.(p) ?? true);
  return Promise.all(
    listening.map((playbook) => {
      const decide = () =>
        enrol(deps, {
          playbook,
          account: firing.account,
          health: firing.health,
          previous: firing.previous,
          on: firing.on,
          event: firing.event,
          sourceKey: firing.sourceKey,
        });
      return firing.around ? firing.around(playbook, decide) : decide();
    }),
  );
}
