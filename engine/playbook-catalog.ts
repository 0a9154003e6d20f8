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
import { runInterests, type RunInterests } from '../language/run-interests.js';

export interface LivePlaybook {
  id: string;
  version: number;
  definition: Playbook;
  /** What news its runs need while they run. */
  interests: RunInterests;
}

interface Snapshot {
  definition: Playbook;
  interests: RunInterests;
}

const versionKey = (playbookId: string, version: number) => `${playbookId}@${version}`;

export class PlaybookCatalog {
  private readonly index: Collection<PlaybookIndexDoc>;
  private readonly versions: Collection<PlaybookVersionDoc>;
  private readonly snapshots = new Map<string, Snapshot>();

  constructor(db: Db) {
    ({ playbooks: this.index, playbookVersions: this.versions } = collections(db));
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

  /**
   * What news the runs of these versions need, keyed `<playbook>@<version>`: one read for the
   * versions not cached yet (a batch's live runs may be on any version, retired ones included).
   */
  async interestsOf(
    refs: { playbookId: string; playbookVersion: number }[],
  ): Promise<Map<string, RunInterests>> {
    const keys = [...new Set(refs.map((r) => versionKey(r.playbookId, r.playbookVersion)))];
    const missing = keys.filter((k) => !this.snapshots.has(k));
    if (missing.length > 0)
      for (const doc of await this.versions.find({ _id: { $in: missing } }).toArray()) this.remember(doc);
    const found = new Map<string, RunInterests>();
    for (const key of keys) {
      const snapshot = this.snapshots.get(key);
      if (snapshot) found.set(key, snapshot.interests);
    }
    return found;
  }

  private remember(doc: PlaybookVersionDoc): Snapshot {
    const snapshot = { definition: doc.definition, interests: doc.interests ?? runInterests(doc.definition) };
    this.snapshots.set(doc._id, snapshot);
    return snapshot;
  }

  private async snapshot(playbookId: string, version: number): Promise<LivePlaybook | null> {
    const key = versionKey(playbookId, version);
    let snapshot = this.snapshots.get(key);
    if (!snapshot) {
      const doc = await this.versions.findOne({ _id: key });
      if (!doc) return null;
      snapshot = this.remember(doc);
    }
    return { id: playbookId, version, ...snapshot };
  }
}
