/**
 * CEL values as plain JSON. Temporal payloads and MongoDB documents cannot carry BigInt (CEL
 * ints), Maps, Dates or byte arrays, so whatever an expression yields is converted here.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function toPlainJson(value: unknown, depth = 0): JsonValue {
  if (depth > 64) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      // JSON has no Infinity or NaN (e.g. from a division by 0.0).
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return Number(value);
    case 'undefined':
      return null;
    case 'object':
      break;
    default:
      return String(value);
  }
  if (value === null) return null;
  if (Array.isArray(value)) return value.map((item) => toPlainJson(item, depth + 1));
  if (value instanceof Uint8Array) return Array.from(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Map) {
    const object: Record<string, JsonValue> = {};
    for (const [key, item] of value) object[String(key)] = toPlainJson(item, depth + 1);
    return object;
  }
  if (value instanceof Set) return [...value].map((item) => toPlainJson(item, depth + 1));
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null || Object.keys(value).length > 0) {
    const object: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) object[key] = toPlainJson(item, depth + 1);
    return object;
  }
  // Library values without own fields (CEL types, durations) print as their CEL text.
  return String(value);
}
