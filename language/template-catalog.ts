/**
 * What the validator needs to know about email templates: whether one exists and what is wrong
 * with it. File-backed (catalog/template-files.ts) for the CLI and API, in-memory in tests.
 */
export interface TemplateCatalog {
  has(name: string): boolean;
  /** Problems in the template (syntax, unknown variables), as plain messages; [] when fine. */
  check(name: string): string[];
  /** Known names, for "did you mean" suggestions. */
  names?(): Iterable<string>;
}

/** A catalog over templates given as name → problems. */
export function staticTemplateCatalog(templates: Record<string, string[]>): TemplateCatalog {
  return {
    has: (name) => Object.hasOwn(templates, name),
    check: (name) => templates[name] ?? [],
    names: () => Object.keys(templates),
  };
}
