/** A setting a role cannot start without; the error names the key so the operator knows what to set. */
export function requiredSetting<T>(value: T | undefined, key: string, why: string): T {
  if (value === undefined || value === null || value === '') {
    throw new Error(`${key} is not set: ${why}`);
  }
  return value;
}
