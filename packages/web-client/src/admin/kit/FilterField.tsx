/**
 * A labelled text or date input of a page's filter form. `errorId` names the form's message about a value it
 * cannot use, when this input is part of it.
 */
export function FilterField(props: {
  id: string;
  label: string;
  type: 'text' | 'date';
  value: string;
  hint?: string | undefined;
  errorId?: string | undefined;
  onChange: (value: string) => void;
}) {
  const hintId = props.hint ? `${props.id}-hint` : undefined;
  return (
    <div className="admin-field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type}
        value={props.value}
        aria-invalid={props.errorId ? true : undefined}
        aria-describedby={[props.errorId, hintId].filter(Boolean).join(' ') || undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
      {props.hint && (
        <span id={hintId} className="hint">
          {props.hint}
        </span>
      )}
    </div>
  );
}

const DAY_FIELDS = [
  { key: 'fromDay', idSuffix: 'from', label: 'From' },
  { key: 'toDay', idSuffix: 'to', label: 'To' },
] as const;

/** The From and To days of a filter form, as `<idPrefix>-from` and `<idPrefix>-to`. */
export function DayRangeFields<Filter extends { fromDay: string; toDay: string }>(props: {
  idPrefix: string;
  value: Filter;
  errorId?: string | undefined;
  onChange: (value: Filter) => void;
}) {
  const { value, onChange } = props;
  return DAY_FIELDS.map((field) => (
    <FilterField
      key={field.key}
      id={`${props.idPrefix}-${field.idSuffix}`}
      label={field.label}
      type="date"
      value={value[field.key]}
      errorId={props.errorId}
      onChange={(day) => onChange({ ...value, [field.key]: day })}
    />
  ));
}
