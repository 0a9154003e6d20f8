/**
 * Demo data for `npm start`: two CSMs, the four shipped playbooks and a handful of accounts in
 * every segment, loaded through the public API exactly as an integration would. Safe to run on
 * every start: existing users, playbook versions and accounts are left as they are.
 */
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dayMs } from '../language/durations.js';

const playbooksDir = fileURLToPath(new URL('../playbooks/', import.meta.url));

interface DemoResult {
  csmTokens: Record<string, string>;
  accounts: number;
  playbooks: string[];
}

const csms = [
  { email: 'maya.patel@retain.demo', name: 'Maya Patel', role: 'csm' },
  { email: 'jonas.weber@retain.demo', name: 'Jonas Weber', role: 'csm' },
];

const daysAgo = (n: number) => new Date(Date.now() - n * dayMs).toISOString();
const daysAhead = (n: number) => new Date(Date.now() + n * dayMs).toISOString();

const accounts = [
  {
    id: 'acme-logistics',
    name: 'Acme Logistics',
    segment: 'high-touch',
    plan: 'enterprise',
    mrr: 12000,
    csm: csms[0].email,
    startedAt: daysAgo(300),
    renewalAt: daysAhead(80),
    attributes: { seatsUsed: 480, seatLimit: 500, activated: true },
    contact: ['Dana Whitfield', 'dana.whitfield@acme-logistics.example', 'champion'],
    health: [82, 35],
  },
  {
    id: 'northwind-health',
    name: 'Northwind Health',
    segment: 'high-touch',
    plan: 'enterprise',
    mrr: 9500,
    csm: csms[1].email,
    startedAt: daysAgo(2),
    attributes: { seatsUsed: 40, seatLimit: 400, activated: false },
    contact: ['Priya Raman', 'priya.raman@northwind-health.example', 'admin'],
    health: [75],
  },
  {
    id: 'bluebird-studio',
    name: 'Bluebird Studio',
    segment: 'low-touch',
    plan: 'growth',
    mrr: 1200,
    csm: csms[0].email,
    startedAt: daysAgo(120),
    renewalAt: daysAhead(200),
    attributes: { seatsUsed: 18, seatLimit: 25, activated: true },
    contact: ['Leo Marchetti', 'leo@bluebird-studio.example', 'owner'],
    health: [64, 38],
  },
  {
    id: 'quartz-analytics',
    name: 'Quartz Analytics',
    segment: 'low-touch',
    plan: 'growth',
    mrr: 1500,
    csm: csms[1].email,
    startedAt: daysAgo(1),
    attributes: { seatsUsed: 3, seatLimit: 25, activated: false },
    contact: ['Hana Sato', 'hana.sato@quartz-analytics.example', 'admin'],
    health: [55],
  },
  {
    id: 'pixel-bakery',
    name: 'Pixel Bakery',
    segment: 'tech-touch',
    plan: 'starter',
    mrr: 99,
    csm: csms[0].email,
    startedAt: daysAgo(3),
    attributes: { seatsUsed: 2, seatLimit: 5, activated: false },
    contact: ['Sam Okafor', 'sam@pixel-bakery.example', 'owner'],
    health: [48],
  },
  {
    id: 'fern-and-co',
    name: 'Fern & Co',
    segment: 'tech-touch',
    plan: 'starter',
    mrr: 149,
    csm: csms[1].email,
    startedAt: daysAgo(200),
    renewalAt: daysAhead(30),
    attributes: { seatsUsed: 5, seatLimit: 5, activated: true },
    contact: ['Ines Duarte', 'ines@fernandco.example', 'owner'],
    health: [71, 30],
  },
];

async function call(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    body:
      body === undefined
        ? undefined
        : contentType === 'application/json'
          ? JSON.stringify(body)
          : String(body),
  });
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: response.status, json: json as Record<string, unknown> };
}

function expectOk(what: string, res: { status: number; json: unknown }, alsoFine: number[] = []) {
  if (res.status >= 300 && !alsoFine.includes(res.status)) {
    throw new Error(`demo data: ${what} answered ${res.status}: ${JSON.stringify(res.json)}`);
  }
}

export async function seedDemo(baseUrl: string, adminToken: string): Promise<DemoResult> {
  const existing = await call(baseUrl, adminToken, 'GET', '/v1/users?limit=200');
  expectOk('listing users', existing);
  const known = new Set(((existing.json.items ?? []) as Array<{ email: string }>).map((u) => u.email));
  const csmTokens: Record<string, string> = {};
  for (const csm of csms) {
    if (known.has(csm.email)) continue;
    const res = await call(baseUrl, adminToken, 'POST', '/v1/users', csm);
    expectOk(`creating ${csm.email}`, res);
    csmTokens[csm.email] = String(res.json.token);
  }

  const playbooks: string[] = [];
  for (const file of (await readdir(playbooksDir)).filter((f) => f.endsWith('.yaml')).sort()) {
    const source = await readFile(`${playbooksDir}${file}`, 'utf8');
    const res = await call(baseUrl, adminToken, 'POST', '/v1/playbooks', source, 'application/yaml');
    expectOk(`publishing ${file}`, res);
    playbooks.push(file);
  }

  let created = 0;
  for (const a of accounts) {
    const { contact, health, ...account } = a;
    const res = await call(baseUrl, adminToken, 'POST', '/v1/accounts', {
      ...account,
      contacts: [{ name: contact[0], email: contact[1], role: contact[2], timezone: 'Europe/Berlin' }],
    });
    expectOk(`creating account ${a.id}`, res, [409]);
    if (res.status === 409) continue;
    created += 1;
    for (const score of health) {
      expectOk(
        `health of ${a.id}`,
        await call(baseUrl, adminToken, 'POST', `/v1/accounts/${a.id}/health`, { score }),
      );
    }
  }
  return { csmTokens, accounts: created, playbooks };
}
