/**
 * The email templates on disk (`<dir>/<name>.hbs`) as a TemplateCatalog for the validator:
 * existence from the directory listing, problems from the template parser, both cached.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TemplateCatalog } from '../language/template-catalog.js';
import { parseTemplate } from '../language/templates.js';

export class FileTemplateCatalog implements TemplateCatalog {
  private listing?: Set<string>;
  private readonly problems = new Map<string, string[]>();

  constructor(readonly dir: string) {}

  private names_(): Set<string> {
    if (!this.listing) {
      let files: string[] = [];
      try {
        files = readdirSync(this.dir);
      } catch {
        // No template directory: every template reference is unknown, which the validator says.
      }
      this.listing = new Set(files.filter((f) => f.endsWith('.hbs')).map((f) => f.slice(0, -'.hbs'.length)));
    }
    return this.listing;
  }

  has(name: string): boolean {
    return this.names_().has(name);
  }

  names(): Iterable<string> {
    return this.names_();
  }

  /** Path of a template file, for messages. */
  pathOf(name: string): string {
    return join(this.dir, `${name}.hbs`);
  }

  check(name: string): string[] {
    const cached = this.problems.get(name);
    if (cached) return cached;
    let found: string[];
    try {
      const result = parseTemplate(name, readFileSync(this.pathOf(name), 'utf8'));
      found = result.ok
        ? []
        : result.errors.map((e) => `${this.pathOf(name)}:${e.line}:${e.column}: ${e.message}`);
    } catch (error) {
      found = [`cannot read ${this.pathOf(name)}: ${error instanceof Error ? error.message : String(error)}`];
    }
    this.problems.set(name, found);
    return found;
  }
}
