/**
 * Maps a JSON path in a parsed playbook (e.g. ["steps", 2, "task", "due"]) back to a line and
 * column in the YAML source, so every diagnostic points where the author has to look.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type JsonPath = readonly (string | number)[];

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** Where on a path a diagnostic points: the key that names a field, or its value. */
export type Anchor = 'key' | 'value';

interface Found {
  /** The node at the path, if the path exists in the document. */
  node?: Node;
  /** The node that names the last segment: a map key, or the sequence item itself. */
  keyNode?: Node;
  /** The deepest node found while following the path, for paths that do not exist. */
  nearest?: Node;
}

export class SourceLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly source: string,
  ) {}

  position(offset: number): Position {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.source.length)));
    return { line, column: col };
  }

  private resolve(node: unknown): Node | undefined {
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? undefined;
    return (node as Node | undefined) ?? undefined;
  }

  find(path: JsonPath): Found {
    let node = this.resolve(this.doc.contents);
    let keyNode: Node | undefined;
    let nearest = node;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
        if (!pair) return { nearest };
        keyNode = (pair.key as Node | null) ?? undefined;
        node = this.resolve(pair.value);
        nearest = node ?? keyNode ?? nearest;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = this.resolve(node.items[segment]);
        keyNode = node;
        nearest = node ?? nearest;
      } else {
        return { nearest };
      }
    }
    return { node, keyNode, nearest };
  }

  private nodeStart(node: Node | undefined): number {
    return node?.range?.[0] ?? 0;
  }

  /** Where `path` is: its key, or its value; the nearest existing ancestor when it is absent. */
  at(path: JsonPath, anchor: Anchor = 'value'): Position {
    const found = this.find(path);
    if (found.node === undefined && found.keyNode === undefined)
      return this.position(this.nodeStart(found.nearest));
    const target = anchor === 'key' ? (found.keyNode ?? found.node) : (found.node ?? found.keyNode);
    return this.position(this.nodeStart(target));
  }

  /**
   * Where character `offset` of the string value at `path` sits in the source: exact for plain,
   * quoted (without escapes) and literal block scalars, the value's start otherwise.
   */
  inString(path: JsonPath, offset: number): Position {
    const { node } = this.find(path);
    if (!isScalar(node) || typeof node.value !== 'string' || !node.range) return this.at(path);
    const [start, end] = node.range;
    const raw = this.source.slice(start, end);
    const value = node.value;
    const verbatim = raw.indexOf(value);
    if (verbatim >= 0 && value.length > 0)
      return this.position(start + verbatim + Math.min(offset, value.length));
    // Multi-line values: find the line of the offset in the raw text, then the column in it.
    const before = value.slice(0, offset);
    const lineIndex = before.split('\n').length - 1;
    const column = offset - (before.lastIndexOf('\n') + 1);
    let cursor = 0;
    const valueLines = value.split('\n');
    for (let i = 0; i <= lineIndex; i++) {
      const text = valueLines[i] ?? '';
      const at = text === '' ? -1 : raw.indexOf(text, cursor);
      if (at < 0) return this.position(start);
      if (i === lineIndex) return this.position(start + at + column);
      cursor = at + text.length;
    }
    return this.position(start);
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}
