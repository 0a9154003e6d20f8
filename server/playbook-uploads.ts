/**
 * Uploaded playbook YAML as the API validates and publishes it: the language validator with the
 * shipped email templates, so a playbook naming a template that does not exist is refused
 * before it goes live; publishing stores it in the catalog (catalog/playbook-store.ts).
 */
import { fileURLToPath } from 'node:url';
import { FileTemplateCatalog } from '../catalog/template-files.js';
import type { Db } from 'mongodb';
import { publishPlaybook } from '../catalog/playbook-store.js';
import { validatePlaybook } from '../language/validate.js';
import type { ApiPlaybookStore } from './app.js';

/** Uploaded YAML has no file name; diagnostics name it like this. */
const uploadName = 'playbook.yaml';

export const shippedTemplatesDir = fileURLToPath(new URL('../playbooks/templates/', import.meta.url));

export function createPlaybookValidator(templatesDir = shippedTemplatesDir): ApiPlaybookStore['validate'] {
  const templates = new FileTemplateCatalog(templatesDir);
  return async (source) => {
    const result = validatePlaybook(source, { file: uploadName, templates });
    return { valid: result.playbook !== undefined, diagnostics: result.diagnostics };
  };
}

/** Publishing: validate, then store as the next immutable version unless the content is known. */
export function createPlaybookPublisher(
  db: Db,
  templatesDir = shippedTemplatesDir,
): ApiPlaybookStore['publish'] {
  const templates = new FileTemplateCatalog(templatesDir);
  // The unique indexes that decide concurrent publishes are created at start (ensureIndexes).
  return async (source) => publishPlaybook(db, source, { templates, file: uploadName });
}
