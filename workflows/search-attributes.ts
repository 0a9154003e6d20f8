/**
 * The search attributes every playbook run carries, so the Temporal Web UI and
 * `temporal workflow list --query 'RetainAccountId="acc_1"'` find the runs of an account, a
 * playbook or a version. Their one definition: the engine sets them at the start
 * (`runSearchAttributes`), the dev stack registers them (`lib/stack-temporal.ts`), the worker
 * makes sure they exist at start, and the README says how to create them on a production
 * cluster. Sandbox-safe (only @temporalio/common), so workflow code may import it.
 */
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import type { Segment } from '../language/schema.js';
import type { RunInput } from './contract.js';

export const RetainAccountId = defineSearchAttributeKey('RetainAccountId', SearchAttributeType.KEYWORD);
export const RetainPlaybookId = defineSearchAttributeKey('RetainPlaybookId', SearchAttributeType.KEYWORD);
export const RetainPlaybookVersion = defineSearchAttributeKey(
  'RetainPlaybookVersion',
  SearchAttributeType.INT,
);
export const RetainSegment = defineSearchAttributeKey('RetainSegment', SearchAttributeType.KEYWORD);
export const RetainControl = defineSearchAttributeKey('RetainControl', SearchAttributeType.BOOL);

/** Every key, for registering them on a server. */
export const retainSearchAttributes = [
  RetainAccountId,
  RetainPlaybookId,
  RetainPlaybookVersion,
  RetainSegment,
  RetainControl,
] as const;

/** The type names the Temporal CLI takes (`--search-attribute Name=Keyword`, `--type Keyword`). */
export const cliTypeName: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/** A run's search attributes, from its input and the account's segment at enrolment. */
export function runSearchAttributes(
  input: Pick<RunInput, 'accountId' | 'playbookId' | 'playbookVersion' | 'control'>,
  segment: Segment,
): TypedSearchAttributes {
  return new TypedSearchAttributes([
    { key: RetainAccountId, value: input.accountId },
    { key: RetainPlaybookId, value: input.playbookId },
    { key: RetainPlaybookVersion, value: input.playbookVersion },
    { key: RetainSegment, value: segment },
    { key: RetainControl, value: input.control },
  ]);
}
