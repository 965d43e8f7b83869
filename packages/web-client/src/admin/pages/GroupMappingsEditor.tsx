import { MAX_GROUP_MAPPINGS } from '@webstream/contracts';
import { listOf } from '../kit/form-values';
import { optionsOfOrg } from '../kit/lookup-sources';
import { type FormPart, type FormPartProps } from '../kit/ResourceForm';
import { externalGroupMaxLength, MAPPING_GROUPS, MAPPING_TARGETS } from '../resources/identity-providers';

const ERROR_ID = 'identity-providers-form-groupMappings-error';

/**
 * Rows of "the provider's group → an IAM group": at each sign-in the user is made a member of the IAM groups
 * their provider groups map to.
 */
function GroupMappingsEditor(props: FormPartProps) {
  const { values, setValue, disabled } = props;
  const groups = listOf(values, MAPPING_GROUPS);
  const targets = listOf(values, MAPPING_TARGETS);
  const options = optionsOfOrg(props.lookups.options('groups'), props.orgId);
  const error = props.errors['groupMappings'];

  const change = (index: number, group: string, target: string): void => {
    setValue(
      MAPPING_GROUPS,
      groups.map((value, at) => (at === index ? group : value)),
    );
    setValue(
      MAPPING_TARGETS,
      groups.map((_, at) => (at === index ? target : (targets[at] ?? ''))),
    );
  };
  const add = (): void => {
    setValue(MAPPING_GROUPS, [...groups, '']);
    setValue(MAPPING_TARGETS, [...groups.map((_, at) => targets[at] ?? ''), '']);
  };
  const remove = (index: number): void => {
    setValue(
      MAPPING_GROUPS,
      groups.filter((_, at) => at !== index),
    );
    setValue(
      MAPPING_TARGETS,
      groups.map((_, at) => targets[at] ?? '').filter((_, at) => at !== index),
    );
  };

  return (
    <fieldset
      className="admin-fieldset"
      aria-describedby={['identity-providers-mappings-hint', error ? ERROR_ID : undefined]
        .filter(Boolean)
        .join(' ')}
    >
      <legend>Group mappings</legend>
      <p id="identity-providers-mappings-hint" className="hint">
        Members of a group at the identity provider (as its groups claim names it) become members of the IAM
        group.
      </p>
      {error && (
        <p id={ERROR_ID} className="error field-error">
          {error}
        </p>
      )}
      {groups.length === 0 && <p>No mappings.</p>}
      <ol className="admin-mappings">
        {groups.map((group, index) => {
          const target = targets[index] ?? '';
          const known = target === '' || options.some((option) => option.value === target);
          const row = `identity-providers-mapping-${index}`;
          return (
            <li key={index}>
              <div role="group" aria-label={`Mapping ${index + 1}`} className="admin-mapping">
                <div className="admin-field">
                  <label htmlFor={`${row}-external`}>Provider group</label>
                  <input
                    id={`${row}-external`}
                    value={group}
                    maxLength={externalGroupMaxLength}
                    disabled={disabled}
                    onChange={(event) => change(index, event.target.value, target)}
                  />
                </div>
                <div className="admin-field">
                  <label htmlFor={`${row}-group`}>IAM group</label>
                  <select
                    id={`${row}-group`}
                    value={target}
                    disabled={disabled}
                    onChange={(event) => change(index, group, event.target.value)}
                  >
                    <option value="">Choose a group</option>
                    {!known && <option value={target}>{target}</option>}
                    {options.map((option) => (
                      <option key={option.value} value={option.value}>
                        {option.label}
                      </option>
                    ))}
                  </select>
                </div>
                <button
                  type="button"
                  className="danger"
                  disabled={disabled}
                  aria-label={`Remove mapping ${index + 1}`}
                  onClick={() => remove(index)}
                >
                  Remove
                </button>
              </div>
            </li>
          );
        })}
      </ol>
      <button type="button" disabled={disabled || groups.length >= MAX_GROUP_MAPPINGS} onClick={add}>
        Add mapping
      </button>
      {groups.length >= MAX_GROUP_MAPPINGS && <p className="hint">At most {MAX_GROUP_MAPPINGS} mappings.</p>}
    </fieldset>
  );
}

export const groupMappingsPart: FormPart = {
  names: ['groupMappings'],
  render: (props) => <GroupMappingsEditor {...props} />,
};
