/** Bench accounts and CSMs, created through the API as an integration would import them. */
import type { Segment } from '../lib/documents.js';
import type { Processes } from './support.js';

export async function createCsms(api: Processes, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await api.expect<{ user: { id: string } }>(201, 'POST', '/v1/users', {
      email: `${prefix}-csm-${i}@bench.test`,
      name: `Bench CSM ${i}`,
      role: 'csm',
    });
    ids.push(created.user.id);
  }
  return ids;
}

/** `count` accounts in batches of 1,000 through POST /v1/history (no playbook is triggered). */
export async function importAccounts(
  api: Processes,
  prefix: string,
  count: number,
  csms: string[],
  segmentOf: (i: number) => Segment,
): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  for (let i = 0; i < ids.length; i += 1000) {
    const accounts = ids.slice(i, i + 1000).map((id, j) => ({
      id,
      name: `Account ${id}`,
      segment: segmentOf(i + j),
      plan: 'growth',
      mrr: 500,
      csm: csms[(i + j) % csms.length],
      contacts: [{ email: `${id}@customer.test`, name: 'Pat Primary', role: 'primary' }],
      startedAt: '2026-01-05T00:00:00.000Z',
    }));
    await api.expect(
      201,
      'POST',
      '/v1/history',
      { accounts },
      { 'idempotency-key': `${prefix}-accounts-${i}` },
    );
  }
  return ids;
}
