/**
 * What a simulation starts from (no servers): the health at enrolment that makes a shipped
 * playbook's trigger fire, the health timeline format, and the offsets printed.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { defaultThresholds } from '../../language/health-band.js';
import { healthAtEnrolment, parseHealthTimeline } from '../../cli/simulation/health-timeline.js';
import { formatOffset, formatTimeline } from '../../cli/simulation/timeline.js';
import { accountFromFile, loadPlaybook } from '../../cli/simulate.js';

const playbooks = new URL('../../playbooks/', import.meta.url).pathname;
const now = new Date('2026-06-01T00:00:00Z');

async function exampleAccount(over: Record<string, unknown> = {}) {
  const json = JSON.parse(await readFile(`${playbooks}examples/account.json`, 'utf8')) as Record<
    string,
    unknown
  >;
  return accountFromFile({ ...json, ...over }, now, defaultThresholds);
}

describe('health at enrolment', () => {
  it('turns the account red from a non-red band for the low-usage rescue', async () => {
    const playbook = await loadPlaybook(`${playbooks}low-usage-rescue.yaml`, `${playbooks}templates`);
    const { health, previous } = healthAtEnrolment(
      playbook,
      await exampleAccount(),
      defaultThresholds,
      undefined,
      now,
    );
    expect(health.band).toBe('red');
    expect(previous.band).not.toBe('red');
  });

  it("keeps the timeline's first score and finds a previous band that fires the trigger", async () => {
    const playbook = await loadPlaybook(`${playbooks}low-usage-rescue.yaml`, `${playbooks}templates`);
    expect(healthAtEnrolment(playbook, await exampleAccount(), defaultThresholds, 35, now).health).toEqual({
      score: 35,
      band: 'red',
    });
  });

  it('says why when no health makes the playbook enrol the account', async () => {
    const playbook = await loadPlaybook(`${playbooks}low-usage-rescue.yaml`, `${playbooks}templates`);
    const account = await exampleAccount();
    expect(() => healthAtEnrolment(playbook, account, defaultThresholds, 80, now)).toThrow(
      /would not enrol this account with a health score of 80 at enrolment: trigger.when is false/,
    );
  });
});

describe('health timeline file', () => {
  it('reads offsets from enrolment and sorts them', () => {
    expect(
      parseHealthTimeline([
        { at: '10d', score: 75 },
        { at: '0d', score: 35 },
        { at: '36h', score: 50 },
      ]),
    ).toEqual([
      { atMs: 0, score: 35 },
      { atMs: 36 * 3_600_000, score: 50 },
      { atMs: 10 * 86_400_000, score: 75 },
    ]);
  });

  it('names the entry that is wrong', () => {
    expect(() =>
      parseHealthTimeline([
        { at: '0d', score: 35 },
        { at: 'ten days', score: 75 },
      ]),
    ).toThrow(/entry 2: "at" must be an offset/);
    expect(() => parseHealthTimeline([{ at: '1d', score: 135 }])).toThrow(
      /entry 1: "score" must be a number from 0 to 100/,
    );
  });
});

describe('timeline output', () => {
  it('prints offsets as days and hours:minutes since enrolment', () => {
    expect([formatOffset(0), formatOffset(2 * 86_400), formatOffset(86_400 + 3 * 3600 + 5 * 60)]).toEqual([
      '+0d 00:00',
      '+2d 00:00',
      '+1d 03:05',
    ]);
  });

  it('puts the subject and recipient of an email first', () => {
    const line = formatTimeline([
      {
        t: 172_800,
        step: 'tips',
        kind: 'email',
        event: 'sent',
        detail: { template: 'low-usage-tips', to: ['dana@x.example'], subject: 'Tips' },
      },
    ]);
    expect(line).toBe(
      '+2d 00:00  tips email sent  subject="Tips"  to="dana@x.example"  template="low-usage-tips"',
    );
  });
});
