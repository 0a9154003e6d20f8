/**
 * Test data for the engine: accounts and published playbook versions, written in the shapes
 * the API and the playbook store write.
 */
import type { Db } from 'mongodb';
import type { AccountDoc, Segment } from '../../lib/documents.js';
import type { Playbook } from '../../language/schema.js';
import { collections } from '../../lib/collections.js';

export function account(id: string, over: Partial<AccountDoc> = {}): AccountDoc {
  const now = new Date();
  return {
    _id: id,
    name: `Account ${id}`,
    segment: 'low-touch' as Segment,
    plan: 'growth',
    mrr: 1000,
    csm: 'csm@retain.test',
    contacts: [{ email: `owner@${id}.example`, name: 'Owner', role: 'owner' }],
    startedAt: new Date(now.getTime() - 100 * 86_400_000),
    lifecycle: 'adoption',
    attributes: {},
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}

export async function insertAccounts(db: Db, accounts: AccountDoc[]): Promise<void> {
  if (accounts.length) await collections(db).accounts.insertMany(accounts);
}

/** Publishes `definition` as the next version of its playbook (what the playbook store does). */
export async function publish(db: Db, definition: Playbook): Promise<number> {
  const index = collections(db).playbooks;
  const current = await index.findOne({ _id: definition.id });
  const version = (current?.latestVersion ?? 0) + 1;
  await collections(db).playbookVersions.insertOne({
    _id: `${definition.id}@${version}`,
    playbookId: definition.id,
    version,
    hash: `test-${version}`,
    createdAt: new Date(),
    source: JSON.stringify(definition),
    definition,
  });
  await index.updateOne(
    { _id: definition.id },
    { $set: { name: definition.name, latestVersion: version, retired: false } },
    { upsert: true },
  );
  return version;
}

/** Step lists for tests (typed loosely: the recursive Step type is checked by the validator). */
export function steps(...list: Array<Record<string, unknown>>): Playbook['steps'] {
  return list as unknown as Playbook['steps'];
}

export function rescuePlaybook(over: Partial<Playbook> = {}): Playbook {
  return {
    id: 'low-usage-rescue',
    name: 'Low-usage rescue',
    audience: { segments: ['low-touch', 'tech-touch'] },
    trigger: { on: 'health.changed', when: 'health.band == "red" && previous.band != "red"' },
    goal: { when: 'health.score >= 70', outcome: 'rescued', within: '30d' },
    steps: steps({ id: 'call', task: { title: 'Call {{account.name}}', due: '2d' } }, { wait: '7d' }),
    ...over,
  };
}
