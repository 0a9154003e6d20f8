/**
 * Over a thousand malformed requests across every route of the OpenAPI document: hostile ids,
 * bodies of the wrong type, too deep, too big, not UTF-8, not JSON, operator injection, bad
 * query strings and bad tokens. Every answer must be a 4xx JSON error with a stable code, the
 * server must stay healthy, and no rejected request may write anything.
 */
import { request as httpRequest } from 'node:http';
import { beforeAll, describe, expect, test } from 'vitest';
import { documentCounts, useApiStack } from '../api/helpers.js';
import {
  badBodies,
  badQueries,
  badTokens,
  hostileIds,
  prng,
  type BadRequest,
  type Route,
} from './generators.js';

const api = useApiStack('bad_requests');
let routes: Route[] = [];

const counts = () => documentCounts(api.db);

beforeAll(async () => {
  expect(
    (await api.call('POST', '/v1/accounts', { body: api.accountBody({ id: 'fuzz-target' }) })).statusCode,
  ).toBe(201);
  const doc = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })),
  );
});

function generate(): BadRequest[] {
  const random = prng(8);
  const cases: BadRequest[] = [];
  const admin = { authorization: `Bearer ${api.tokens.admin}` };
  for (const route of routes.filter((r) => r.path.startsWith('/v1/'))) {
    const hasParams = route.path.includes('{');
    const fill = (id: string) => route.path.replace(/\{[^}]+\}/g, id);
    const url = fill('fuzz-target');
    if (hasParams)
      for (const id of hostileIds)
        cases.push({
          name: `${route.method} ${route.path} id=${id.slice(0, 30)}`,
          method: route.method,
          url: fill(id),
          headers: admin,
        });
    for (const q of badQueries)
      cases.push({
        name: `${route.method} ${route.path} ?${q.slice(0, 30)}`,
        method: route.method,
        url: `${url}?${q}`,
        headers: admin,
      });
    for (const token of badTokens)
      cases.push({
        name: `${route.method} ${route.path} token ${token.slice(0, 20)}`,
        method: route.method,
        url,
        headers: token ? { authorization: token } : {},
      });
    if (['POST', 'PUT', 'PATCH'].includes(route.method)) {
      for (const body of badBodies(random))
        cases.push({
          name: `${route.method} ${route.path} ${body.name}`,
          method: route.method,
          url,
          headers: { ...admin, 'content-type': body.contentType },
          payload: body.payload,
        });
      cases.push({
        name: `${route.method} ${route.path} bad idempotency key`,
        method: route.method,
        url,
        headers: { ...admin, 'content-type': 'application/json', 'idempotency-key': 'k'.repeat(1000) },
        payload: '{}',
      });
    }
  }
  return cases;
}

describe('malformed requests', () => {
  test('every route answers each with a 4xx JSON error with a code; nothing written; still healthy', async () => {
    const before = await counts();
    // The stack created users and beforeAll an account: the comparison is not of empty collections.
    expect(before.accounts).toBeGreaterThan(0);
    expect(before.users).toBeGreaterThan(0);
    const cases = generate();
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    const statuses = new Map<number, number>();
    let slowest = 0;
    const failures: string[] = [];
    for (const c of cases) {
      const began = performance.now();
      const res = await api.app.inject({
        method: c.method as 'GET',
        url: c.url,
        headers: c.headers,
        ...(c.payload !== undefined ? { payload: c.payload } : {}),
      });
      slowest = Math.max(slowest, performance.now() - began);
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      // Public routes (the signed unsubscribe link) answer a person with HTML; all others JSON.
      const html = c.url.startsWith('/v1/unsubscribe');
      let body: { error?: { code?: string; message?: string } } = {};
      try {
        body = html ? { error: { code: 'html', message: 'html' } } : res.json();
      } catch {
        // not JSON: reported below
      }
      // The validator answers every YAML text with a report; "not a playbook" is a finding, not an error.
      if (c.url.startsWith('/v1/playbooks/validate') && res.statusCode === 200 && res.json().valid === false)
        continue;
      const ok =
        res.statusCode >= 400 &&
        res.statusCode < 500 &&
        /^[a-z][a-z0-9_]*$/.test(body.error?.code ?? '') &&
        Boolean(body.error?.message);
      if (!ok) failures.push(`${c.name} → ${res.statusCode} ${res.body.slice(0, 160)}`);
    }
    expect(failures.slice(0, 40), `${failures.length} failures`).toEqual([]);
    console.log(
      `[bad-input] ${cases.length} requests over ${routes.length} routes; ${Object.keys(before).length} collections counted; statuses ${JSON.stringify(Object.fromEntries(statuses))}; slowest ${slowest.toFixed(0)} ms`,
    );
    // A collection that appears meanwhile (an index created late) must be empty too.
    const after = await counts();
    expect(after).toEqual({ ...Object.fromEntries(Object.keys(after).map((c) => [c, 0])), ...before });
    expect((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await api.call('GET', '/v1/accounts/fuzz-target')).statusCode).toBe(200);
  }, 300_000);

  test('over a real socket: a body shorter than its Content-Length and a lying content type', async () => {
    await api.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = api.app.server.address() as { port: number };
    const send = (headers: Record<string, string | number>, body: Buffer) =>
      new Promise<{ status: number; body: string }>((resolve) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/v1/accounts',
            headers: { authorization: `Bearer ${api.tokens.admin}`, ...headers },
          },
          (res) => {
            let text = '';
            res.on('data', (d) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        req.on('error', () => resolve({ status: 0, body: '' })); // the server may hang up: not a 5xx
        req.setTimeout(15_000, () => req.destroy());
        req.end(body);
      });
    const short = await send(
      { 'content-type': 'application/json', 'content-length': 500 },
      Buffer.from('{"name":"x"'),
    );
    expect(short.status === 0 || (short.status >= 400 && short.status < 500)).toBe(true);
    const lying = await send(
      { 'content-type': 'application/json; charset=utf-16' },
      Buffer.from('{"name":"x"}', 'utf16le'),
    );
    expect(lying.status).toBeGreaterThanOrEqual(400);
    expect(lying.status).toBeLessThan(500);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  });
});
