import { describe, expect, it } from 'vitest';
import { getPlaybookVersion, publishPlaybook, sourceHash } from '../../catalog/playbook-store.js';
import { useIntegration } from '../harness/index.js';
import { testTemplates } from './fixtures.js';
import { collections, ensureIndexes } from '../../lib/collections.js';

const stack = useIntegration('playbook-store');

function playbook(id: string, wait = '1d'): string {
  return `id: ${id}\nname: ${id} playbook\ntrigger: { on: manual }\nsteps:\n  - wait: ${wait}\n`;
}
const options = { templates: testTemplates, createdBy: 'ops@example.com' };

describe('playbook store', () => {
  it('stores versions identified by id, number and content hash; identical content is a no-op', async () => {
    await ensureIndexes(stack.db);
    const first = await publishPlaybook(stack.db, playbook('alpha'), options);
    expect(first).toMatchObject({
      ok: true,
      id: 'alpha',
      version: 1,
      created: true,
      hash: sourceHash(playbook('alpha')),
    });
    expect(await publishPlaybook(stack.db, playbook('alpha'), options)).toMatchObject({
      ok: true,
      version: 1,
      created: false,
    });
    expect(await publishPlaybook(stack.db, playbook('alpha', '2d'), options)).toMatchObject({
      ok: true,
      version: 2,
      created: true,
    });

    const stored = await getPlaybookVersion(stack.db, 'alpha', 1);
    expect(stored).toMatchObject({
      _id: 'alpha@1',
      playbookId: 'alpha',
      source: playbook('alpha'),
      createdBy: 'ops@example.com',
    });
    expect(stored?.definition.steps).toEqual([{ wait: '1d' }]);
    expect(await collections(stack.db).playbooks.findOne({ _id: 'alpha' })).toMatchObject({
      latestVersion: 2,
      retired: false,
    });
  });

  it('refuses an invalid playbook with its diagnostics and stores nothing', async () => {
    const result = await publishPlaybook(stack.db, playbook('beta', '2 days'), options);
    expect(result).toMatchObject({
      ok: false,
      diagnostics: [expect.objectContaining({ code: 'duration.invalid', line: 5, column: 11 })],
    });
    expect(await collections(stack.db).playbookVersions.countDocuments({ playbookId: 'beta' })).toBe(0);
  });

  it('creates one version when the same content is uploaded concurrently', async () => {
    await ensureIndexes(stack.db);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => publishPlaybook(stack.db, playbook('gamma'), options)),
    );
    expect(new Set(results.map((r) => r.ok && r.version))).toEqual(new Set([1]));
    expect(results.filter((r) => r.ok && r.created)).toHaveLength(1);
    expect(await collections(stack.db).playbookVersions.countDocuments({ playbookId: 'gamma' })).toBe(1);
  });

  it('numbers concurrent different uploads consecutively and points the index at the last', async () => {
    await ensureIndexes(stack.db);
    const results = await Promise.all(
      ['1d', '2d', '3d', '4d', '5d'].map((wait) =>
        publishPlaybook(stack.db, playbook('delta', wait), options),
      ),
    );
    expect(results.map((r) => (r.ok ? r.version : 0)).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await collections(stack.db).playbooks.findOne({ _id: 'delta' })).toMatchObject({
      latestVersion: 5,
    });
  });
});
