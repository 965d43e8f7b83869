import { type ErrorField } from '@webstream/contracts';

/** What a form holds: text inputs and selects as strings, checkboxes as booleans, multi-selects as lists. */
export type FormValue = string | boolean | string[];
export type FormValues = Record<string, FormValue>;

/** A text field's value, trimmed; '' when absent or not text. */
export function textOf(values: FormValues, name: string): string {
  const value = values[name];
  return typeof value === 'string' ? value.trim() : '';
}

/** A field's value exactly as typed (a password keeps its spaces). */
export function rawText(values: FormValues, name: string): string {
  const value = values[name];
  return typeof value === 'string' ? value : '';
}

/** A text field's value, or undefined when it is empty (an optional field left out of a create body). */
export function optionalText(values: FormValues, name: string): string | undefined {
  const value = textOf(values, name);
  return value === '' ? undefined : value;
}

/** A text field's value, or null when it is empty (an optional field cleared in a PATCH). */
export function nullableText(values: FormValues, name: string): string | null {
  return optionalText(values, name) ?? null;
}

export function boolOf(values: FormValues, name: string): boolean {
  return values[name] === true;
}

export function listOf(values: FormValues, name: string): string[] {
  const value = values[name];
  return Array.isArray(value) ? [...value] : [];
}

/**
 * A number input: null when empty (no limit), the number otherwise. A fraction or a negative number is sent as
 * typed, so that the API, not the browser, says what is wrong with it.
 */
export function numberOrNull(values: FormValues, name: string): number | null {
  const value = textOf(values, name);
  if (value === '') return null;
  return Number(value);
}

/** A number input that must hold a number; empty is 0 (the policy's "none"). */
export function numberOf(values: FormValues, name: string): number {
  return numberOrNull(values, name) ?? 0;
}

/** Tags typed as one line, separated by commas, spaces or new lines; blanks and repeats dropped. */
export function parseTags(text: string): string[] {
  const tags = text
    .split(/[\s,]+/)
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
  return [...new Set(tags)];
}

export function formatTags(tags: readonly string[]): string {
  return tags.join(', ');
}

/**
 * A PATCH body from the whole editable body and the one the record had when the form opened: only what
 * changed (compared as JSON, so that nested objects such as a policy's rules compare by value).
 */
export function patchOf<Body extends object>(full: Body, before: Body): Partial<Body> {
  const patch: Partial<Body> = {};
  for (const key of Object.keys(full) as (keyof Body)[]) {
    if (full[key] === undefined) continue;
    if (JSON.stringify(full[key]) !== JSON.stringify(before[key])) patch[key] = full[key];
  }
  return patch;
}

export interface FieldErrors {
  /** Message per form field name. */
  byField: Record<string, string>;
  /** Messages that belong to no field of the form (shown above it). */
  other: string[];
}

/** `body.rules.clipboard.maxBytes` → `rules.clipboard.maxBytes`: the IAM reports body fields with or without it. */
export function normalizeFieldPath(path: string): string {
  return path.startsWith('body.') ? path.slice('body.'.length) : path;
}

/**
 * The API's validation messages placed at the form's fields: a message about `applicationIds[1]` or
 * `rules.clipboard` goes to the field that owns that path (the longest name that is a prefix of it); the
 * rest, such as `(root)`, is kept for the top of the form. A refusal without fields whose message starts with
 * a field name ("userId: user … does not exist") also goes to that field.
 */
export function mapFieldErrors(
  fields: readonly ErrorField[],
  names: readonly string[],
  message?: string,
): FieldErrors {
  const result: FieldErrors = { byField: {}, other: [] };
  const ownerOf = (path: string): string | undefined => {
    let best: string | undefined;
    for (const name of names) {
      const owns = path === name || path.startsWith(`${name}.`) || path.startsWith(`${name}[`);
      if (owns && (best === undefined || name.length > best.length)) best = name;
    }
    return best;
  };
  for (const field of fields) {
    const path = normalizeFieldPath(field.path);
    const owner = ownerOf(path);
    if (owner === undefined)
      result.other.push(path === '(root)' ? field.message : `${path}: ${field.message}`);
    else if (result.byField[owner] === undefined) result.byField[owner] = field.message;
    else result.byField[owner] = `${result.byField[owner]}; ${field.message}`;
  }
  if (fields.length === 0 && message !== undefined) {
    const named = /^([A-Za-z][\w.[\]]*): (.+)$/s.exec(message);
    const owner = named ? ownerOf(normalizeFieldPath(named[1]!)) : undefined;
    if (named && owner !== undefined) result.byField[owner] = named[2]!;
    else result.other.push(message);
  }
  return result;
}
