/**
 * Fuzzing the validator: thousands of random and mutated documents (fixed seed, so a failure
 * reproduces) must each produce well-formed diagnostics, never an exception or an internal
 * error, within a bounded time per document.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { diagnosticCodes } from '../../language/diagnostics.js';
import { validatePlaybook } from '../../language/validate.js';
import { testTemplates } from './fixtures.js';

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  return { next, int, pick };
}

const root = new URL('../../', import.meta.url);
const seeds = [
  ...readdirSync(new URL('playbooks/', root))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => readFileSync(new URL(`playbooks/${f}`, root), 'utf8')),
  ...readdirSync(new URL('test/language/corpus/', root)).map((f) =>
    readFileSync(new URL(`test/language/corpus/${f}`, root), 'utf8'),
  ),
];

const yamlChars = [
  ':',
  '-',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '|',
  '>',
  '&',
  '*',
  '!',
  '%',
  '@',
  '#',
  '\n',
  '\t',
  ' ',
  ',',
  '?',
  '\\',
  '{{',
  '}}',
  '\u0000',
  '\u2028',
  'é',
];
const words = [
  'id',
  'name',
  'trigger',
  'on',
  'when',
  'steps',
  'task',
  'title',
  'email',
  'template',
  'wait',
  'waitFor',
  'timeout',
  'if',
  'then',
  'else',
  'switch',
  'cases',
  'default',
  'notify',
  'outcome',
  'end',
  'update',
  'field',
  'value',
  'goal',
  'within',
  'holdout',
  'cooldown',
  'audience',
  'segments',
  'daysBefore',
  'event',
  'onTimeout',
  'to',
  'due',
  'priority',
  'outcomes',
];
const scalars: unknown[] = [
  '2d',
  '0d',
  '99999w',
  '10%',
  '51%',
  'health.score < 40',
  'steps.call.outcome == "x"',
  'acount.x',
  '((((',
  '{{x',
  'call',
  'welcome',
  true,
  null,
  0,
  -1,
  1.5,
  1e308,
  '',
  'high-touch',
  'renewal.approaching',
  '*a',
  '&a x',
];

function mutate(source: string, rand: ReturnType<typeof prng>): string {
  let text = source;
  const edits = 1 + rand.int(4);
  for (let i = 0; i < edits; i++) {
    const at = rand.int(text.length + 1);
    const lines = text.split('\n');
    switch (rand.int(7)) {
      case 0:
        text = text.slice(0, at) + text.slice(at + 1 + rand.int(8));
        break;
      case 1:
        text = text.slice(0, at) + rand.pick(yamlChars) + text.slice(at);
        break;
      case 2:
        text = text.slice(0, at) + rand.pick(words) + (rand.next() < 0.5 ? ': ' : '') + text.slice(at);
        break;
      case 3: {
        const line = rand.int(lines.length);
        lines.splice(rand.int(lines.length), 0, lines[line]);
        text = lines.join('\n');
        break;
      }
      case 4: {
        const line = rand.int(lines.length);
        lines[line] = (rand.next() < 0.5 ? '  ' : '') + lines[line].replace(/^ {1,2}/, '');
        text = lines.join('\n');
        break;
      }
      case 5:
        text = text.replace(/: [^\n]*/, `: ${String(stringify(rand.pick(scalars))).trim()}`);
        break;
      default: {
        const a = rand.int(lines.length);
        const b = rand.int(lines.length);
        [lines[a], lines[b]] = [lines[b], lines[a]];
        text = lines.join('\n');
      }
    }
  }
  return text;
}

function randomValue(rand: ReturnType<typeof prng>, depth: number): unknown {
  const roll = rand.int(depth > 4 ? 2 : 5);
  if (roll === 0) return rand.pick(scalars);
  if (roll === 1) return rand.pick(words);
  if (roll === 2) return Array.from({ length: rand.int(4) }, () => randomValue(rand, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = rand.int(5); i > 0; i--) object[rand.pick(words)] = randomValue(rand, depth + 1);
  return object;
}

function randomPlaybook(rand: ReturnType<typeof prng>): string {
  const steps = Array.from({ length: 1 + rand.int(5) }, () => ({
    [rand.pick(['email', 'task', 'wait', 'waitFor', 'if', 'switch', 'notify', 'outcome', 'update'])]:
      randomValue(rand, 2),
    ...(rand.next() < 0.5 ? { id: rand.pick(['call', 'tips', 'x']) } : {}),
  }));
  const doc: Record<string, unknown> = { id: 'fuzz', name: 'Fuzz', trigger: randomValue(rand, 1), steps };
  if (rand.next() < 0.5) doc[rand.pick(words)] = randomValue(rand, 1);
  return stringify(doc);
}

function garbage(rand: ReturnType<typeof prng>): string {
  return Array.from({ length: rand.int(300) }, () =>
    rand.next() < 0.3 ? rand.pick(yamlChars) : String.fromCharCode(32 + rand.int(95)),
  ).join('');
}

const hostile = [
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  `${'{a: '.repeat(3000)}1${'}'.repeat(3000)}`,
  Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n'),
  `a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]`,
  `id: x\nname: ${'a'.repeat(300_000)}`,
  `id: x\nname: x\ntrigger: {on: manual, when: "${'!'.repeat(1900)}true"}\nsteps: [{wait: 1d}]`,
  `id: x\nname: x\ntrigger: {on: manual, when: "${Array.from({ length: 60 }, () => '[1,2,3].exists(a, a > 0)').join(' && ')}"}\nsteps: [{wait: 1d}]`,
  '\uFEFF---\n...\n---\n',
  '',
  '~',
  '!!binary aGVsbG8=',
];

const knownCodes = new Set(Object.keys(diagnosticCodes));
/**
 * The time bound is relative to a real playbook validated here and now: a document may take at
 * most this many times as long (and never less than the floor), so a loaded machine slows the
 * bound with the work and only a pathological input (exponential, unbounded) fails.
 */
const maxTimesReference = 100;
const floorMs = 500;

function validationMs(source: string): number {
  const started = performance.now();
  validatePlaybook(source, { file: 'reference.yaml', templates: testTemplates });
  return performance.now() - started;
}

/** The median of five validations of the first shipped playbook. */
function referenceMs(): number {
  const times = Array.from({ length: 5 }, () => validationMs(seeds[0])).sort((a, b) => a - b);
  return times[2];
}

let boundMs = Math.max(floorMs, maxTimesReference * referenceMs());

function assertWellFormed(source: string): number {
  const started = performance.now();
  const result = validatePlaybook(source, { file: 'fuzz.yaml', templates: testTemplates });
  let elapsed = performance.now() - started;
  for (const d of result.diagnostics) {
    if (
      !knownCodes.has(d.code) ||
      d.code === 'internal.error' ||
      !(d.line >= 1 && d.column >= 1) ||
      d.message.length === 0
    ) {
      throw new Error(`bad diagnostic ${JSON.stringify(d)} for input:\n${source.slice(0, 2000)}`);
    }
  }
  if (elapsed > boundMs) {
    // The machine may have been busy for a moment: measure the reference again and retry once.
    boundMs = Math.max(floorMs, maxTimesReference * referenceMs());
    elapsed = Math.min(elapsed, validationMs(source));
  }
  if (elapsed > boundMs)
    throw new Error(
      `took ${elapsed.toFixed(0)} ms (bound ${boundMs.toFixed(0)} ms) for input:\n${source.slice(0, 500)}`,
    );
  return elapsed;
}

describe('validator fuzzing', () => {
  it('survives hostile documents (deep nesting, alias bombs, huge input, long expressions)', () => {
    for (const source of hostile) assertWellFormed(source);
    const codes = (source: string) =>
      validatePlaybook(source, { file: 'f', templates: testTemplates }).diagnostics.map((d) => d.code);
    expect(codes(hostile[0])).toContain('yaml.depth');
    expect(codes(hostile[3])).toEqual(['yaml.alias']);
    expect(codes(hostile[4])).toEqual(['input.too_large']);
  });

  it('survives 3000 mutated playbooks, 1500 random playbooks and 1500 garbage inputs', () => {
    const rand = prng(20240611);
    let slowest = 0;
    for (let i = 0; i < 3000; i++)
      slowest = Math.max(slowest, assertWellFormed(mutate(rand.pick(seeds), rand)));
    for (let i = 0; i < 1500; i++) slowest = Math.max(slowest, assertWellFormed(randomPlaybook(rand)));
    for (let i = 0; i < 1500; i++) slowest = Math.max(slowest, assertWellFormed(garbage(rand)));
    expect(slowest).toBeLessThanOrEqual(boundMs);
  }, 120_000);
});
