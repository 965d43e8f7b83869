import { type CrudEndpoints } from '@webstream/contracts';
import { type FormValues } from './form-values';

/** Collections whose records other forms pick from (selects) or tables name (ids shown as names). */
export type RefSource = 'organizations' | 'applications' | 'policies' | 'users' | 'groups' | 'workspaces';

export interface Option {
  value: string;
  label: string;
  /** The organization the record belongs to, so that a form offers only its own organization's records. */
  orgId?: string;
}

/** Names of referenced records by id, per collection; an unknown id is shown as is. */
export type NameOf = (source: RefSource, id: string | null | undefined) => string;

export interface FormContext {
  mode: 'create' | 'edit';
  platformAdmin: boolean;
}

interface FieldBase {
  /** The API's field name (a path for nested ones: rules.clipboard.maxBytes); the key of the form value. */
  name: string;
  /** The control's accessible name, the API field in words ("User name"). */
  label: string;
  hint?: string;
  required?: boolean;
  /** Fields with the same section are grouped in one fieldset with this legend. */
  section?: string;
}

export type FieldSpec = FieldBase &
  (
    | {
        kind: 'text' | 'email' | 'password' | 'textarea';
        autoComplete?: string;
        maxLength?: number;
        /** What an empty field stands for (the default it takes, or that a secret is kept). */
        placeholder?: string;
      }
    | { kind: 'number'; min?: number; max?: number }
    | { kind: 'checkbox' }
    /** Options listed here, or loaded from `source`; `empty` labels the choice of none (value ''). */
    | { kind: 'select'; options?: readonly Option[]; source?: RefSource; empty?: string }
    | { kind: 'multiselect'; source: RefSource }
  );

export interface Column<Item> {
  header: string;
  value: (item: Item, nameOf: NameOf) => string;
}

/**
 * One IAM collection for the generic list and form pages: its route, table columns, form fields and the
 * conversions between a record, the form's values and the typed request bodies.
 */
export interface ResourceSpec<Item extends { id: string }, Create, Update> {
  /** The admin console's path segment: /admin/<section>. */
  section: string;
  /** Plural, capitalised: the table's name and the page title ("Users"). */
  title: string;
  /** Singular, lower case: "user" → "New user", "User alice saved." */
  singular: string;
  /** The collection's five endpoints, e.g. userRoutes. */
  routes: CrudEndpoints;
  /** Whether the list takes `q`. */
  searchable: boolean;
  /** Collections to load names from, for the table and the form's selects. */
  refs: readonly RefSource[];
  columns: readonly Column<Item>[];
  /** The form's fields; `values` (the form's current ones) for a form whose fields depend on a choice in it. */
  fields: (context: FormContext, values?: FormValues) => FieldSpec[];
  /** A new record's form. */
  empty: (context: FormContext) => FormValues;
  /** An existing record's form. */
  fromItem: (item: Item) => FormValues;
  toCreate: (values: FormValues, context: FormContext) => Create;
  /** Every editable field; the form sends only what changed. */
  toUpdate: (values: FormValues) => Update;
  /** How a record is named in messages ("alice"). */
  describe: (item: Item, nameOf: NameOf) => string;
}

/** What every IAM record has: an id, and the organization it belongs to where it belongs to one. */
export interface Identified {
  id: string;
  orgId?: string;
}
