/**
 * Hostile input, generated from a fixed seed so that a failure names a case that can be
 * replayed: request mutations for every route of the OpenAPI document, and playbook uploads.
 */
export { prng } from '../../lib/prng.js';

export interface Route {
  method: string;
  path: string;
}

export interface BadRequest {
  name: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

/** Ids that try to leave their collection, inject operators or break the router. */
export const hostileIds = [
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2fusers',
  'a%00b',
  '%24where',
  '%7B%22%24gt%22%3A%22%22%7D',
  'x'.repeat(600),
  '%E0%A4%A',
  '%FF%FE',
  'a.b.%24set',
  '%20',
];

const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const wrongTypes = [
  'null',
  '[]',
  '42',
  '"text"',
  'true',
  '[{"$gt":""}]',
  '{"$where":"sleep(100)"}',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
];

/** Bodies for routes that take one; each is wrong in its own way. */
export function badBodies(
  random: () => number,
): Array<{ name: string; contentType: string; payload: string | Buffer }> {
  const json = 'application/json';
  return [
    ...wrongTypes.map((p) => ({ name: `wrong type ${p.slice(0, 20)}`, contentType: json, payload: p })),
    { name: 'deep nesting', contentType: json, payload: deep(5_000) },
    { name: 'huge body', contentType: json, payload: `{"name":"${'x'.repeat(6 * 1024 * 1024)}"}` },
    {
      name: 'invalid UTF-8',
      contentType: json,
      payload: Buffer.concat([
        Buffer.from('{"name":"'),
        Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
        Buffer.from('"}'),
      ]),
    },
    { name: 'truncated JSON', contentType: json, payload: '{"name": "abc' },
    {
      name: 'operator keys',
      contentType: json,
      payload: JSON.stringify({ $set: { role: 'admin' }, email: { $ne: null }, accountId: { $gt: '' } }),
    },
    { name: 'text/plain', contentType: 'text/plain', payload: 'hello' },
    { name: 'xml', contentType: 'application/xml', payload: '<a>1</a>' },
    { name: 'form', contentType: 'application/x-www-form-urlencoded', payload: 'a=1&b[$ne]=2' },
    {
      name: 'random bytes',
      contentType: json,
      payload: Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256))),
    },
    { name: 'empty JSON body', contentType: json, payload: '' },
    {
      name: 'huge numbers',
      contentType: json,
      payload: '{"score":1e400,"mrr":-1e308,"limit":9007199254740993}',
    },
  ];
}

export const badQueries = [
  'limit=-1',
  'limit=abc',
  'limit=1e9',
  'offset=-5',
  'status[$ne]=open',
  'from=2024-13-45&to=2024-02-30',
  'segment=%00',
  `q=${'x'.repeat(10_000)}`,
  'a=1&a=2&a=3',
  '__proto__[admin]=1',
];

export const badTokens = [
  '',
  'Bearer',
  'Bearer x',
  `Bearer ${'a'.repeat(5000)}`,
  'Basic dXNlcjpwYXNz',
  'Bearer rt_admin_%00',
];
