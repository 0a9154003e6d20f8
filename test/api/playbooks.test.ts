import { describe, expect, it } from 'vitest';
import { useApiStack } from './helpers.js';

const broken = `id: broken
name: Broken
trigger: { on: manual }
steps:
  - wait: soon
  - email: { template: does-not-exist }
`;

describe('API playbooks', () => {
  const api = useApiStack('playbooks');

  it('publishes YAML as version 1 and answers 201', async () => {
    const res = await api.call('POST', '/v1/playbooks', { yaml: api.playbookYaml('pb-one', 'manual') });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ id: 'pb-one', version: 1, created: true });
  });

  it('answers 200 created:false when the same YAML is published again', async () => {
    const yaml = api.playbookYaml('pb-same', 'manual');
    await api.call('POST', '/v1/playbooks', { yaml });
    const res = await api.call('POST', '/v1/playbooks', { yaml });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ version: 1, created: false });
  });

  it('answers 422 invalid_playbook with every error, each with its line and column', async () => {
    const res = await api.call('POST', '/v1/playbooks', { yaml: broken });
    expect(res.statusCode).toBe(422);
    const { error } = res.json();
    expect(error.code).toBe('invalid_playbook');
    expect(error.details.length).toBeGreaterThanOrEqual(2);
    expect(error.details[0]).toMatchObject({
      line: expect.any(Number),
      column: expect.any(Number),
      message: expect.any(String),
    });
  });

  it('validates without publishing', async () => {
    const res = await api.call('POST', '/v1/playbooks/validate', { yaml: broken });
    expect(res.statusCode).toBe(200);
    expect(res.json().valid).toBe(false);
    expect((await api.call('GET', '/v1/playbooks/broken')).statusCode).toBe(404);
  });

  it('answers 415 for a playbook sent as something else than YAML or JSON', async () => {
    const res = await api.call('POST', '/v1/playbooks', {
      raw: 'id: x',
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.statusCode).toBe(415);
  });

  it('answers 413 for YAML over 256 KiB', async () => {
    const res = await api.call('POST', '/v1/playbooks', { yaml: `# ${'x'.repeat(300 * 1024)}\n` });
    expect(res.statusCode).toBe(413);
  });

  it('keeps versions and serves each as uploaded', async () => {
    const before = Date.now();
    await api.call('POST', '/v1/playbooks', { yaml: api.playbookYaml('pb-versions', 'manual') });
    const v2 = `${api.playbookYaml('pb-versions', 'manual')}# second version\n`;
    expect((await api.call('POST', '/v1/playbooks', { yaml: v2 })).json().version).toBe(2);
    const detail = await api.call('GET', '/v1/playbooks/pb-versions');
    expect(detail.json()).toMatchObject({
      id: 'pb-versions',
      latestVersion: 2,
      status: 'live',
      trigger: { on: 'manual' },
    });
    expect(detail.json().versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const published = detail.json().versions.map((v: { publishedAt: string }) => Date.parse(v.publishedAt));
    expect(published[0]).toBeGreaterThanOrEqual(before - 1000);
    expect(published[1]).toBeGreaterThanOrEqual(published[0]);
    expect(published[1]).toBeLessThanOrEqual(Date.now() + 1000);
    const source = await api.call('GET', '/v1/playbooks/pb-versions/versions/2');
    expect(source.headers['content-type']).toMatch(/^application\/yaml/);
    expect(source.body).toBe(v2);
  });

  it('answers 404 for an unknown version', async () => {
    await api.call('POST', '/v1/playbooks', { yaml: api.playbookYaml('pb-v404', 'manual') });
    expect((await api.call('GET', '/v1/playbooks/pb-v404/versions/9')).statusCode).toBe(404);
  });

  it('lists playbooks with their status', async () => {
    const res = await api.call('GET', '/v1/playbooks', { token: api.tokens.csm });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'pb-one', status: 'live', latestVersion: 1 })]),
    );
  });

  it('retires a playbook, and says when', async () => {
    await api.call('POST', '/v1/playbooks', { yaml: api.playbookYaml('pb-retire', 'manual') });
    const res = await api.call('POST', '/v1/playbooks/pb-retire/retire', { body: {} });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'pb-retire', status: 'retired', cancelledRuns: [] });
    const { retiredAt } = res.json();
    expect(Math.abs(Date.parse(retiredAt) - Date.now())).toBeLessThan(60_000);
    expect((await api.call('GET', '/v1/playbooks?status=retired')).json().items).toContainEqual(
      expect.objectContaining({ id: 'pb-retire', status: 'retired', retiredAt }),
    );
    expect((await api.call('GET', '/v1/playbooks/pb-retire')).json()).toMatchObject({ retiredAt });
  });

  it('a new version of a retired playbook is live again, with no retired date', async () => {
    await api.call('POST', '/v1/playbooks', { yaml: api.playbookYaml('pb-revived', 'manual') });
    await api.call('POST', '/v1/playbooks/pb-revived/retire', { body: {} });
    const v2 = `${api.playbookYaml('pb-revived', 'manual')}# back again\n`;
    expect((await api.call('POST', '/v1/playbooks', { yaml: v2 })).json().version).toBe(2);
    const detail = (await api.call('GET', '/v1/playbooks/pb-revived')).json();
    expect(detail).toMatchObject({ status: 'live', latestVersion: 2 });
    expect(detail).not.toHaveProperty('retiredAt');
  });

  it('answers 404 when retiring an unknown playbook', async () => {
    expect((await api.call('POST', '/v1/playbooks/nope/retire', { body: {} })).statusCode).toBe(404);
  });

  it('forbids a CSM to publish', async () => {
    const res = await api.call('POST', '/v1/playbooks', {
      token: api.tokens.csm,
      yaml: api.playbookYaml('pb-csm', 'manual'),
    });
    expect(res.statusCode).toBe(403);
  });
});
