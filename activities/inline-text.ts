/**
 * Task titles and descriptions are short Handlebars texts (`Call {{account.name}}`). They are
 * plain text shown in the API, so they render without HTML escaping; the validator has already
 * checked their syntax and variables.
 */
import Handlebars from 'handlebars';

const env = Handlebars.create();
const cache = new Map<string, Handlebars.TemplateDelegate>();

export function renderInline(source: string, view: Record<string, unknown>): string {
  if (!source.includes('{{')) return source;
  let template = cache.get(source);
  if (!template) {
    template = env.compile(source, { noEscape: true });
    cache.set(source, template);
  }
  // Control characters from customer data never reach a title.
  // eslint-disable-next-line no-control-regex
  return template(view).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ');
}
