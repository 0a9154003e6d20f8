/**
 * A run interprets the snapshot it was enrolled with: publishing a new version, or retiring
 * the playbook, while it waits changes nothing for it. Runs are enrolled by the real engine
 * from the real version store, on the time-skipping server with real activities and SMTP.
 */
import { describe, expect, test } from 'vitest';
import { publishPlaybook } from '../../catalog/playbook-store.js';
import { FileTemplateCatalog } from '../../catalog/template-files.js';
import { createEngine } from '../../engine/index.js';
import type { AccountDoc } from '../../lib/documents.js';
import { templatesDir, usePlaybookEnv } from './playbook-env.js';
import { collections } from '../../lib/collections.js';

const pe = usePlaybookEnv('versions-e2e');

const version = (secondTemplate: string, extra = '') => `
id: welcome-series
name: Welcome series
trigger: { on: manual }
steps:
  - id: first
    email: { template: onboarding-welcome, to: primary }
  - wait: 3d
  - id: second
    email: { template: ${secondTemplate}, to: primary }
${extra}`;
const v1 = version('onboarding-check-in');
const v2 = version('onboarding-nudge', '  - update: { field: lifecycle, value: adoption }\n');

async function publish(source: string): Promise<number> {
  const published = await publishPlaybook(pe.it.db, source, {
    templates: new FileTemplateCatalog(templatesDir),
  });
  if (!published.ok) throw new Error(JSON.stringify(published.diagnostics));
  return published.version;
}

function engine() {
  return createEngine({
    db: pe.it.db,
    temporal: pe.env.client,
    taskQueue: pe.taskQueue,
    now: () => new Date(),
  });
}

async function enrol(account: AccountDoc) {
  const enrolment = await engine().enrollManually('welcome-series', account._id, 'ops@retain.test');
  expect(enrolment.status).toBe('started');
  return { enrolment, handle: pe.env.client.workflow.getHandle(enrolment.workflowId) };
}

const runOf = (workflowId: string) => collections(pe.it.db).runs.findOne({ workflowId });
const lifecycleOf = async (id: string) =>
  (await collections(pe.it.db).accounts.findOne({ _id: id }))?.lifecycle;

describe('playbook versions and runs in flight', () => {
  test('a new version published while a run waits: the run finishes on its own version, new runs take the new one', async () => {
    expect(await publish(v1)).toBe(1);
    const early = await pe.account({ lifecycle: 'onboarding' });
    const first = await enrol(early);
    expect(first.enrolment.playbookVersion).toBe(1);
    await pe.env.sleep('1d');

    expect(await publish(v2)).toBe(2);
    const late = await pe.account({ lifecycle: 'onboarding' });
    const second = await enrol(late);
    expect(second.enrolment.playbookVersion).toBe(2);

    await first.handle.result();
    await second.handle.result();
    expect(pe.mailTo(early.contacts[0].email)).toEqual([
      expect.stringMatching(/^Welcome/),
      expect.stringMatching(/^Two weeks in/),
    ]);
    expect(await lifecycleOf(early._id)).toBe('onboarding');
    expect(await runOf(first.handle.workflowId)).toMatchObject({ playbookVersion: 1, status: 'completed' });

    expect(pe.mailTo(late.contacts[0].email)).toEqual([
      expect.stringMatching(/^Welcome/),
      expect.stringMatching(/^Need a hand/),
    ]);
    expect(await lifecycleOf(late._id)).toBe('adoption');
    expect(await runOf(second.handle.workflowId)).toMatchObject({ playbookVersion: 2, status: 'completed' });
  });

  test('retiring the playbook stops new enrolments but lets a waiting run finish', async () => {
    const account = await pe.account({ lifecycle: 'onboarding' });
    const { handle } = await enrol(account);
    await pe.env.sleep('1d');
    expect((await engine().retirePlaybook('welcome-series')).cancelled).toEqual([]);
    const refused = await engine().enrollManually('welcome-series', (await pe.account())._id);
    expect(refused.status).toBe('retired');
    expect(await handle.result()).toMatchObject({ status: 'completed' });
    expect(pe.mailTo(account.contacts[0].email)).toHaveLength(2);
    expect(await lifecycleOf(account._id)).toBe('adoption');
  });
});
