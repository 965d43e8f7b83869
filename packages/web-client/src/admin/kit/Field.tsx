import { optionsOfOrg } from './lookup-sources';
import { type FormValue } from './form-values';
import { type FieldSpec, type Option } from './resource-spec';

/** One labelled control of a resource form, its hint and the API's message about it. */
export function Field(props: {
  field: FieldSpec;
  idPrefix: string;
  value: FormValue | undefined;
  error: string | undefined;
  /** Options of `field.source`, already loaded. */
  sourceOptions: readonly Option[];
  /** The organization the record belongs to, when known: references are offered from it only. */
  orgId: string | undefined;
  disabled: boolean;
  onChange: (value: FormValue) => void;
}) {
  const { field, value, error } = props;
  const id = `${props.idPrefix}-${field.name.replace(/[^\w-]/g, '-')}`;
  const hintId = field.hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: field.name,
    disabled: props.disabled,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    'aria-required': field.required ? true : undefined,
  } as const;
  const text = typeof value === 'string' ? value : '';
  const after = (
    <>
      {field.hint && (
        <span id={hintId} className="hint">
          {field.hint}
        </span>
      )}
      {error && (
        <span id={errorId} className="error field-error">
          {error}
        </span>
      )}
    </>
  );

  if (field.kind === 'checkbox') {
    return (
      <div className="admin-field admin-check">
        <input
          {...common}
          type="checkbox"
          checked={value === true}
          onChange={(event) => props.onChange(event.target.checked)}
        />
        <label htmlFor={id}>{field.label}</label>
        {after}
      </div>
    );
  }

  const label = (
    <label htmlFor={id}>
      {field.label}
      {field.required && (
        <span className="required" aria-hidden="true">
          {' '}
          *
        </span>
      )}
    </label>
  );

  let control;
  switch (field.kind) {
    case 'textarea':
      control = (
        <textarea
          {...common}
          rows={3}
          maxLength={field.maxLength}
          placeholder={field.placeholder}
          value={text}
          onChange={(event) => props.onChange(event.target.value)}
        />
      );
      break;
    case 'text':
    case 'email':
    case 'password':
      control = (
        <input
          {...common}
          type={field.kind}
          autoComplete={field.autoComplete}
          maxLength={field.maxLength}
          placeholder={field.placeholder}
          value={text}
          onChange={(event) => props.onChange(event.target.value)}
        />
      );
      break;
    case 'number':
      control = (
        <input
          {...common}
          type="number"
          inputMode="numeric"
          min={field.min}
          max={field.max}
          step={1}
          value={text}
          onChange={(event) => props.onChange(event.target.value)}
        />
      );
      break;
    case 'select': {
      const options = field.options ?? optionsOfOrg(props.sourceOptions, props.orgId);
      const known = text === '' || options.some((option) => option.value === text);
      control = (
        <select {...common} value={text} onChange={(event) => props.onChange(event.target.value)}>
          {field.empty !== undefined && <option value="">{field.empty}</option>}
          {!known && <option value={text}>{text}</option>}
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      );
      break;
    }
    case 'multiselect': {
      const selected = Array.isArray(value) ? value : [];
      const options = optionsOfOrg(props.sourceOptions, props.orgId);
      const unknown = selected.filter((item) => !options.some((option) => option.value === item));
      control = (
        <select
          {...common}
          multiple
          size={Math.min(8, Math.max(3, options.length + unknown.length))}
          value={selected}
          onChange={(event) =>
            props.onChange(Array.from(event.target.selectedOptions, (option) => option.value))
          }
        >
          {unknown.map((item) => (
            <option key={item} value={item}>
              {item}
            </option>
          ))}
          {options.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      );
      break;
    }
  }
  return (
    <div className="admin-field">
      {label}
      {control}
      {after}
    </div>
  );
}
