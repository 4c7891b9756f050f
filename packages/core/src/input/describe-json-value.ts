const MAX_STRING_SHOWN = 40;

/**
 * Short, human-readable rendering of a JSON value for error messages: strings quoted (and cut after 40
 * characters, so a multi-MiB prompt never lands in an error), containers named by kind.
 */
export function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return value.length > MAX_STRING_SHOWN
        ? `${JSON.stringify(value.slice(0, MAX_STRING_SHOWN))}… (${value.length} characters)`
        : JSON.stringify(value);
    case 'number':
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    case 'undefined':
      return 'nothing';
    default:
      return typeof value;
  }
}
