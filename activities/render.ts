/**
 * Rendering on behalf of a step. A template that cannot be rendered from the account's data
 * (a field it lacks, a helper given a bad value) renders the same way on every retry, so the
 * activity fails the step at once with the reason instead of retrying without end; the
 * interpreter records the failure and the playbook goes on.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { InlineTextContext, TemplateContext } from '../language/context.js';
import {
  renderEmail,
  renderInlineText,
  TemplateRenderError,
  type ParsedTemplate,
  type RenderedEmail,
} from '../language/templates.js';

function nonRetryable<T>(render: () => T): T {
  try {
    return render();
  } catch (err) {
    if (err instanceof TemplateRenderError) throw ApplicationFailure.nonRetryable(err.message, err.name);
    throw err;
  }
}

export function renderEmailForStep(template: ParsedTemplate, ctx: TemplateContext): RenderedEmail {
  return nonRetryable(() => renderEmail(template, ctx));
}

/** A task title or description, or a notify message; `what` names it in the error. */
export function renderTextForStep(source: string, ctx: InlineTextContext, what: string): string {
  return nonRetryable(() => renderInlineText(source, ctx, what));
}
