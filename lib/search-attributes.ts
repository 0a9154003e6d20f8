/**
 * Registering the runs' search attributes (defined in workflows/search-attributes.ts) on a
 * Temporal server: as `temporal server start-dev` flags for the dev stack, through the operator
 * service for the time-skipping server and for a server we did not start. A production cluster's
 * operator creates them with `temporal operator search-attribute create` (README).
 */
import { SearchAttributeType } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { cliTypeName, retainSearchAttributes } from '../workflows/search-attributes.js';

/** `--search-attribute Name=Type` for each, as `temporal server start-dev` takes them. */
export function searchAttributeDevServerArgs(): string[] {
  return retainSearchAttributes.flatMap((key) => [
    '--search-attribute',
    `${key.name}=${cliTypeName[key.type]}`,
  ]);
}

// temporal.api.enums.v1.IndexedValueType, by the SDK's type names.
const indexedValueType: Record<SearchAttributeType, number> = {
  [SearchAttributeType.TEXT]: 1,
  [SearchAttributeType.KEYWORD]: 2,
  [SearchAttributeType.INT]: 3,
  [SearchAttributeType.DOUBLE]: 4,
  [SearchAttributeType.BOOL]: 5,
  [SearchAttributeType.DATETIME]: 6,
  [SearchAttributeType.KEYWORD_LIST]: 7,
};

type OperatorService = Pick<
  temporal.api.operatorservice.v1.OperatorService,
  'listSearchAttributes' | 'addSearchAttributes'
>;

/**
 * Adds whichever of the runs' search attributes `namespace` lacks; returns the names added.
 * Idempotent. Throws what the server answers (e.g. permission denied on a managed cluster, or a
 * name registered with another type).
 */
export async function ensureSearchAttributes(
  operatorService: OperatorService,
  namespace: string,
): Promise<string[]> {
  const { customAttributes } = await operatorService.listSearchAttributes({ namespace });
  const missing = retainSearchAttributes.filter((key) => !(key.name in (customAttributes ?? {})));
  if (missing.length > 0) await addSearchAttributes(operatorService, namespace, missing);
  return missing.map((key) => key.name);
}

/**
 * Adds `keys` (all the runs' search attributes by default) without asking what exists: for the
 * time-skipping test server, which is always fresh and does not implement listSearchAttributes.
 */
export async function addSearchAttributes(
  operatorService: Pick<OperatorService, 'addSearchAttributes'>,
  namespace: string,
  keys: readonly (typeof retainSearchAttributes)[number][] = retainSearchAttributes,
): Promise<void> {
  await operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(keys.map((key) => [key.name, indexedValueType[key.type]])),
  });
}
