/**
 * Over a thousand malformed or hostile playbook uploads through POST /v1/playbooks: the
 * invalid corpus, random mutations of it and of the shipped playbooks, alias bombs, steps
 * nested thousands deep, files over the limit, expressions built to be slow, template tricks
 * and bodies that are not YAML at all. Each answer is a 4xx with errors, in bounded time;
 * nothing is stored; the server is healthy afterwards.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { useApiStack } from '../api/helpers.js';
import { prng } from './generators.js';
import { collections } from '../../lib/collections.js';

const api = useApiStack('bad_playbooks');
const root = new URL('../../', import.meta.url);
const read = (dir: string) =>
  readdirSync(new URL(dir, root))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => readFileSync(new URL(`${dir}${f}`, root), 'utf8'));
const corpus = read('test/language/corpus/');
const shipped = read('playbooks/');

const head = (id: string) => `id: ${id}\nname: Hostile ${id}\ntrigger: { on: manual }\n`;

function mutate(source: string, random: () => number): string {
  const lines = source.split('\n');
  const junk = [
    '{{',
    '}}',
    ': :',
    '- - -',
    '*ref',
    '&a',
    '!!python/object',
    '"\\u0000"',
    '\t',
    'steps:',
    '  - wait: 99999w',
    'when: ((((',
    '\u2028',
  ];
  for (let k = 0; k < 1 + Math.floor(random() * 4); k++) {
    const at = Math.floor(random() * lines.length);
    const r = random();
    if (r < 0.3) lines.splice(at, 1);
    else if (r < 0.6) lines.splice(at, 0, junk[Math.floor(random() * junk.length)]);
    else if (r < 0.8) lines[at] = lines[at].replace(/^ {2}/, '');
    else lines[at] = lines[at].slice(0, Math.floor(random() * lines[at].length));
  }
  return lines.join('\n');
}

/**
 * Template tricks in a task title, each with the code that must refuse it. The playbook around
 * them is valid (its email names a template that exists; see the control below), so a refusal
 * is the trick's. `{{{ }}}` is no trick here: titles are plain text, rendered without escaping
 * either way; it is refused in an email's HTML body (test/templates/parse.test.ts).
 */
const templateTricks: Array<[title: string, code: string]> = [
  ['{{#each (lookup this "constructor")}}x{{/each}}', 'template.prototype_access'],
  ['{{> evil}}', 'template.unsupported'],
  ['{{constructor.constructor "return process"}}', 'template.unknown_helper'],
  ['{{#if}}', 'template.syntax'],
  ['{{account.name', 'template.syntax'],
  ['{{__proto__}}', 'template.prototype_access'],
  ['{{account.attributes.__proto__.polluted}}', 'template.prototype_access'],
  ['{{lookup account "__proto__"}}', 'template.prototype_access'],
];
const templateCarrier = (i: number, title: string) =>
  `${head(`tpl${i}`)}steps:\n  - id: t\n    task: { title: ${JSON.stringify(title)}, due: 1d }\n  - id: m\n    email: { template: kickoff-welcome, to: primary }\n`;

interface Upload {
  kind: string;
  body: string;
  contentType?: string;
  /** The diagnostic code the refusal must carry. */
  code?: string;
}

function hostile(): Upload[] {
  const random = prng(77);
  const out: Upload[] = [];
  for (const c of corpus) out.push({ kind: 'corpus', body: c });
  for (let i = 0; i < 600; i++)
    out.push({
      kind: 'mutation',
      body: mutate([...corpus, ...shipped][i % (corpus.length + shipped.length)], random),
    });
  for (let d = 5; d < 55; d++) {
    const anchors = [
      'a: &a0 ["x","x","x","x","x","x","x","x","x"]',
      ...Array.from(
        { length: d },
        (_, i) =>
          `a${i + 1}: &a${i + 1} [*a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}, *a${i}]`,
      ),
    ];
    out.push({ kind: 'alias bomb', body: `${head(`bomb${d}`)}${anchors.join('\n')}\nsteps: *a${d}\n` });
  }
  for (let i = 0; i < 60; i++) {
    // Flow style keeps the size linear in the depth: 5,000 levels fit under the size limit.
    const depth = 50 + i * 80;
    const steps = '[{ if: "health.score > 1", then: '.repeat(depth) + '[{ wait: 1d }]' + ' }]'.repeat(depth);
    out.push({ kind: 'deep steps', body: `${head(`deep${i}`)}steps: ${steps}\n` });
  }
  for (let i = 0; i < 20; i++)
    out.push({
      kind: 'huge file',
      body: `${head(`huge${i}`)}description: "${'x'.repeat(256 * 1024 + i * 1000)}"\nsteps: [{ wait: 1d }]\n`,
    });
  const slow = [
    (n: number) => Array.from({ length: n }, (_, k) => `health.score > ${k}`).join(' && '),
    (n: number) => '('.repeat(n) + 'health.score' + ')'.repeat(n),
    (n: number) =>
      `[${Array.from({ length: n }, (_, k) => k).join(',')}].all(x, [${Array.from({ length: n }, (_, k) => k).join(',')}].all(y, x * y >= 0 && account.name.matches("(a+)+$")))`,
    (n: number) =>
      `"${'a'.repeat(n * 100)}" + "${'b'.repeat(n * 100)}" == account.name && health.score > 0.${'9'.repeat(n)}`,
  ];
  for (let i = 0; i < 120; i++)
    out.push({
      kind: 'slow expression',
      body: `${head(`slow${i}`)}steps:\n  - if: '${slow[i % slow.length](200 + i * 40)}'\n    then: [{ wait: 1d }]\n`,
    });
  for (let i = 0; i < 70; i++) {
    const [title, code] = templateTricks[i % templateTricks.length];
    out.push({ kind: 'template', body: templateCarrier(i, title + ' '.repeat(i)), code });
  }
  for (let i = 0; i < 40; i++)
    out.push({
      kind: 'not YAML',
      body: i % 2 ? '\u0000\u0001\u0002'.repeat(i + 1) : `- ${'['.repeat(i + 1)}`,
      ...(i % 4 === 3 ? { contentType: 'application/octet-stream' } : {}),
    });
  return out;
}

describe('hostile playbook uploads', () => {
  test('each is refused with errors in bounded time; nothing stored', async () => {
    const control = await api.call('POST', '/v1/playbooks/validate', {
      yaml: templateCarrier(0, 'Call {{account.name}}'),
    });
    expect(control.json(), 'the carrier of the template tricks is itself valid').toMatchObject({
      valid: true,
    });
    const versions = collections(api.db).playbookVersions;
    const before = await versions.countDocuments();
    const cases = hostile();
    const refusedByKind = new Map<string, number>();
    const accepted: string[] = [];
    let created = 0;
    const failures: string[] = [];
    let slowest = { ms: 0, kind: '' };
    const began = performance.now();
    for (const c of cases) {
      const t0 = performance.now();
      const res = await api.call(
        'POST',
        '/v1/playbooks',
        c.contentType ? { raw: c.body, headers: { 'content-type': c.contentType } } : { yaml: c.body },
      );
      const ms = performance.now() - t0;
      if (ms > slowest.ms) slowest = { ms, kind: c.kind };
      if (res.statusCode < 300 && (c.kind === 'mutation' || c.kind === 'corpus')) {
        // A mutation that happens to be a valid playbook, or a corpus file with warnings only:
        // fine, if it validates. 201 stores a version; 200 is the same content again.
        accepted.push(c.body);
        if (res.statusCode === 201) created++;
        continue;
      }
      const body = res.json() as { error?: { code?: string; details?: unknown[] } };
      const details = (body.error?.details ?? []) as Array<{ code?: string }>;
      const withErrors = res.statusCode === 422 ? details.length > 0 : Boolean(body.error?.code);
      const forItsReason = !c.code || details.some((d) => d.code === c.code);
      if (res.statusCode < 400 || res.statusCode >= 500 || !withErrors || !forItsReason)
        failures.push(
          `${c.kind}${c.code ? ` (by ${c.code})` : ''} → ${res.statusCode} ${res.body.slice(0, 200)}`,
        );
      else refusedByKind.set(c.kind, (refusedByKind.get(c.kind) ?? 0) + 1);
    }
    const total = [...refusedByKind.values()].reduce((a, b) => a + b, 0);
    console.log(
      `[bad-input] ${cases.length} playbook uploads, ${total} refused ${JSON.stringify(Object.fromEntries(refusedByKind))}, ${accepted.length} valid (warnings-only corpus files, lucky mutations); slowest ${slowest.ms.toFixed(0)} ms (${slowest.kind}); all ${((performance.now() - began) / 1000).toFixed(1)} s`,
    );
    expect(failures.slice(0, 20)).toEqual([]);
    expect(total).toBeGreaterThanOrEqual(1000);
    expect(slowest.ms).toBeLessThan(2_000);
    for (const yaml of accepted)
      expect((await api.call('POST', '/v1/playbooks/validate', { yaml })).json().valid).toBe(true);
    expect(await versions.countDocuments()).toBe(before + created);
    expect((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect(
      (await api.call('POST', '/v1/playbooks', { yaml: api.playbookYaml('after-the-storm', 'manual') }))
        .statusCode,
    ).toBe(201);
  }, 600_000);
});
