/** The playbook index and its immutable versions, as the API reads them (publishing: catalog/). */
import type { Db, Filter } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { PlaybookIndexDoc, PlaybookVersionDoc } from '../../lib/documents.js';
import { findPage, type PageRequest } from './pagination.js';

export function createPlaybookRepository(db: Db) {
  const { playbooks, playbookVersions } = collections(db);

  return {
    findPlaybook(id: string): Promise<PlaybookIndexDoc | null> {
      return playbooks.findOne({ _id: id });
    },

    async playbookExists(id: string): Promise<boolean> {
      return (await playbooks.findOne({ _id: id }, { projection: { _id: 1 } })) !== null;
    },

    /** By id (the `_id` index). */
    listPlaybooks(filter: { status?: 'live' | 'retired' }, page: PageRequest) {
      const query: Filter<PlaybookIndexDoc> =
        filter.status === 'live'
          ? { retired: { $ne: true } }
          : filter.status === 'retired'
            ? { retired: true }
            : {};
      return findPage(playbooks, query, { _id: 1 }, page);
    },

    /** Every version of a playbook, oldest first, without its YAML (the `playbook_version` index). */
    listVersions(playbookId: string): Promise<Omit<PlaybookVersionDoc, 'source'>[]> {
      return playbookVersions
        .find({ playbookId }, { projection: { source: 0 } })
        .sort({ version: 1 })
        .toArray();
    },

    findVersion(playbookId: string, version: number): Promise<PlaybookVersionDoc | null> {
      return playbookVersions.findOne({ _id: `${playbookId}@${version}` });
    },
  };
}

export type PlaybookRepository = ReturnType<typeof createPlaybookRepository>;
