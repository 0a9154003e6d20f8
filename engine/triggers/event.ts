/**
 * `event`: an integration posted an account event; the playbooks whose `trigger.event` is its
 * type fire. No claim: the ingest keeps what an event enrolled on it and replays that on a retry.
 */
import type { AccountDoc, AccountEventDoc } from '../../lib/documents.js';
import { storedHealth, type TriggerKind } from './fire.js';

export interface AccountEventFact {
  account: AccountDoc;
  /** The stored event: its `_id` is the enrolment's source. */
  event: AccountEventDoc;
}

export const eventTrigger: TriggerKind<'event', AccountEventFact> = {
  on: 'event',
  accepts: ({ event }, playbook) => playbook.definition.trigger.event === event.type,
  firing: ({ account, event }) => ({
    account,
    ...storedHealth(account),
    event: { name: event.type, data: event.data, occurredAt: event.occurredAt.toISOString() },
    sourceKey: event._id,
  }),
};
