/**
 * Immutable playbook versions in MongoDB. A version is identified by playbook id, version
 * number and the sha256 of its YAML source; publishing content that is already stored (same
 * playbook, same hash) is a no-op that returns the stored version, even under concurrent
 * uploads. No transactions (FerretDB has none): unique indexes decide races and the loser
 * retries, and the `playbooks` index document only ever moves forward.
 *
 * Re-uploading the content of an older version returns that older version; to make old
 * content live again, change it (a comment is enough) so it becomes a new version.
 */
import { runInterests } from '../language/run-interests.js';
import { createHash } from 'node:crypto';
import type { Db } from 'mongodb';
import { collections } from '../lib/collections.js';
import type { PlaybookVersionDoc } from '../lib/documents.js';
import { isDuplicateKey } from '../lib/mongo.js';
import type { Diagnostic } from '../language/diagnostics.js';
import type { TemplateCatalog } from '../language/template-catalog.js';
import { validatePlaybook } from '../language/validate.js';

export type PublishResult =
  | {
      ok: true;
      id: string;
      name: string;
      version: number;
      hash: string;
      created: boolean;
      diagnostics: Diagnostic[];
    }
  | { ok: false; diagnostics: Diagnostic[] };

export interface PublishOptions {
  templates: TemplateCatalog;
  /** Name shown in diagnostics. */
  file?: string;
  createdBy?: string;
  now?: () => Date;
}

const versionsOf = (db: Db) => collections(db).playbookVersions;
const indexOf = (db: Db) => collections(db).playbooks;
/** Enough for any realistic burst of concurrent publishes of one playbook. */
const maxAttempts = 20;

export function sourceHash(source: string): string {
  return createHash('sha256').update(source, 'utf8').digest('hex');
}

/**
 * Moves the index to `version` unless it already is at or past it; a new version is live, so a
 * retired playbook is live again. The filter only matches an older index document; when a
 * newer one exists the upsert collides on _id and is ignored.
 */
async function advanceIndex(db: Db, id: string, name: string, version: number): Promise<void> {
  try {
    await indexOf(db).updateOne(
      { _id: id, latestVersion: { $lt: version } },
      { $set: { name, latestVersion: version, retired: false }, $unset: { retiredAt: '' } },
      { upsert: true },
    );
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

async function latestVersion(db: Db, playbookId: string): Promise<number> {
  const [latest] = await versionsOf(db)
    .find({ playbookId }, { projection: { version: 1 } })
    .sort({ version: -1 })
    .limit(1)
    .toArray();
  return latest?.version ?? 0;
}

/** Validates `source` and stores it as the next version of its playbook, unless already stored. */
export async function publishPlaybook(
  db: Db,
  source: string,
  options: PublishOptions,
): Promise<PublishResult> {
  const { playbook, diagnostics } = validatePlaybook(source, {
    file: options.file ?? 'playbook.yaml',
    templates: options.templates,
  });
  if (!playbook) return { ok: false, diagnostics };
  const hash = sourceHash(source);
  const id = playbook.id;
  const versions = versionsOf(db);

  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const existing = await versions.findOne({ playbookId: id, hash }, { projection: { version: 1 } });
    if (existing) {
      // Also repairs an index left behind by a publisher that died after inserting.
      await advanceIndex(db, id, playbook.name, await latestVersion(db, id));
      return {
        ok: true,
        id,
        name: playbook.name,
        version: existing.version,
        hash,
        created: false,
        diagnostics,
      };
    }
    const version = (await latestVersion(db, id)) + 1;
    const doc: PlaybookVersionDoc = {
      _id: `${id}@${version}`,
      playbookId: id,
      version,
      hash,
      source,
      definition: playbook,
      interests: runInterests(playbook),
      createdAt: (options.now ?? (() => new Date()))(),
      ...(options.createdBy ? { createdBy: options.createdBy } : {}),
    };
    try {
      await versions.insertOne(doc);
    } catch (error) {
      // Someone else took this version number or stored this content first: look again.
      if (isDuplicateKey(error)) continue;
      throw error;
    }
    await advanceIndex(db, id, playbook.name, version);
    return { ok: true, id, name: playbook.name, version, hash, created: true, diagnostics };
  }
  throw new Error(`could not publish playbook ${id}: ${maxAttempts} concurrent attempts collided`);
}

export async function getPlaybookVersion(
  db: Db,
  playbookId: string,
  version: number,
): Promise<PlaybookVersionDoc | null> {
  return versionsOf(db).findOne({ _id: `${playbookId}@${version}` });
}
