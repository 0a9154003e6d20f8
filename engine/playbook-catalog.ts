/**
 * Which playbook versions new enrolments use: the latest version of every playbook that is not
 * retired. The small `playbooks` index is read on every lookup, so a publish or a retire is
 * seen by the very next trigger on every API instance; the version snapshots themselves are
 * immutable (`<id>@<version>`) and cached for good.
 */
import type { Collection, Db } from 'mongodb';
import type { Playbook, TriggerOn } from '../language/schema.js';
import { collections } from '../lib/collections.js';
import type { PlaybookIndexDoc, PlaybookVersionDoc } from '../lib/documents.js';

export interface LivePlaybook {
  id: string;
  version: number;
  definition: Playbook;
}

export class PlaybookCatalog {
  private readonly index: Collection<PlaybookIndexDoc>;
  private readonly versions: Collection<PlaybookVersionDoc>;
  private readonly snapshots = new Map<string, Playbook>();

  constructor(db: Db) {
    ({ playbooks: this.index, playbookVersions: this.versions } = collections(db));
  }

  /** Every playbook id, retired ones included (they may still have runs in flight). */
  async allIds(): Promise<string[]> {
    const docs = await this.index.find({}, { projection: { _id: 1 } }).toArray();
    return docs.map((d) => d._id);
  }

  /** Live (not retired) playbooks whose trigger is `on`, at their latest version. */
  async live(on?: TriggerOn): Promise<LivePlaybook[]> {
    const docs = await this.index.find({}, { projection: { latestVersion: 1, retired: 1 } }).toArray();
    const live = docs.filter((d) => !d.retired);
    const resolved = await Promise.all(live.map((d) => this.snapshot(d._id, d.latestVersion)));
    return resolved.filter(
      (p): p is LivePlaybook => p !== null && (on === undefined || p.definition.trigger.on === on),
    );
  }

  /** One playbook's latest version, or why it cannot enrol. */
  async get(playbookId: string): Promise<LivePlaybook | 'unknown' | 'retired'> {
    const doc = await this.index.findOne({ _id: playbookId });
    if (!doc) return 'unknown';
    if (doc.retired) return 'retired';
    return (await this.snapshot(doc._id, doc.latestVersion)) ?? 'unknown';
  }

  async isRetired(playbookId: string): Promise<boolean> {
    const doc = await this.index.findOne({ _id: playbookId }, { projection: { retired: 1 } });
    return !doc || Boolean(doc.retired);
  }

  private async snapshot(playbookId: string, version: number): Promise<LivePlaybook | null> {
    const key = `${playbookId}@${version}`;
    let definition = this.snapshots.get(key);
    if (!definition) {
      const doc = await this.versions.findOne({ _id: key });
      if (!doc) return null;
      definition = doc.definition;
      this.snapshots.set(key, definition);
    }
    return { id: playbookId, version, definition };
  }
}
