import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { SourceLocator } from '../../language/locate.js';

function locator(source: string) {
  const lines = new LineCounter();
  return new SourceLocator(parseDocument(source, { lineCounter: lines }), lines, source);
}

const source = `id: x
steps:
  - wait: 2d
  - if: health.score < 40
    then:
      - email: { template: welcome }
  - if: "steps.a.status == 'done'"
  - if: |
      health.score > 1 &&
      acount.name == ""
`;

describe('SourceLocator', () => {
  const at = locator(source);

  it('finds values and keys by JSON path', () => {
    expect(at.at(['steps', 0, 'wait'])).toEqual({ line: 3, column: 11 });
    expect(at.at(['steps', 0, 'wait'], 'key')).toEqual({ line: 3, column: 5 });
    expect(at.at(['steps', 1, 'then', 0, 'email', 'template'])).toEqual({ line: 6, column: 28 });
  });

  it('falls back to the nearest existing node for absent paths', () => {
    expect(at.at(['steps', 0, 'missing'])).toEqual({ line: 3, column: 5 });
  });

  it('maps offsets inside plain, quoted and block scalars', () => {
    expect(at.inString(['steps', 1, 'if'], 7)).toEqual({ line: 4, column: 16 });
    expect(at.inString(['steps', 2, 'if'], 6)).toEqual({ line: 7, column: 16 });
    const block = 'health.score > 1 &&\nacount.name == ""\n';
    expect(at.inString(['steps', 3, 'if'], block.indexOf('acount'))).toEqual({ line: 10, column: 7 });
  });
});
