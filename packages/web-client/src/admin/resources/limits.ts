/**
 * A field's limits read from the contract's schema of the value it edits, so that the form holds it to what the
 * API accepts and follows the contract when it changes. A limit the schema does not set leaves the field without.
 */
export interface LengthChecked {
  maxLength: number | null;
}

interface RangeChecked {
  minValue: number | null;
  maxValue: number | null;
}

export const maxLengthOf = (schema: LengthChecked): number | undefined => schema.maxLength ?? undefined;

export const minOf = (schema: RangeChecked): number | undefined => schema.minValue ?? undefined;

export const maxOf = (schema: RangeChecked): number | undefined => schema.maxValue ?? undefined;
