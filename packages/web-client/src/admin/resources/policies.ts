import {
  type CreatePolicy,
  createPolicySchema,
  defaultPolicy,
  type Policy,
  policyRoutes,
  type UpdatePolicy,
} from '@webstream/contracts';
import { optionalText, textOf } from '../kit/form-values';
import { type ResourceSpec } from '../kit/resource-spec';
import { descriptionField, nameField, organizationField, withOrg } from './common';
import { ruleFields, rulesFromValues, valuesFromRules } from './policy-rules';

const body = createPolicySchema.shape;

const onOff = (value: boolean): string => (value ? 'on' : 'off');

export const policiesSpec: ResourceSpec<Policy, CreatePolicy, UpdatePolicy> = {
  section: 'policies',
  title: 'Policies',
  singular: 'policy',
  routes: policyRoutes,
  searchable: true,
  refs: ['organizations'],
  columns: [
    { header: 'Name', value: (item) => item.name },
    { header: 'Description', value: (item) => item.description },
    {
      header: 'Clipboard',
      value: (item) =>
        `in ${onOff(item.rules.clipboard.inbound)}, out ${onOff(item.rules.clipboard.outbound)}`,
    },
    { header: 'Input', value: (item) => (item.rules.inputAllowed ? 'Allowed' : 'View only') },
    {
      header: 'Idle timeout',
      value: (item) => (item.rules.idleTimeoutSeconds === 0 ? 'None' : `${item.rules.idleTimeoutSeconds} s`),
    },
  ],
  fields: (context) => [
    ...organizationField(context),
    nameField(body.name),
    descriptionField(body.description.unwrap()),
    ...ruleFields,
  ],
  empty: (context) => ({ ...withOrg(context), name: '', description: '', ...valuesFromRules(defaultPolicy) }),
  fromItem: (item) => ({ name: item.name, description: item.description, ...valuesFromRules(item.rules) }),
  toCreate: (values) => ({
    orgId: optionalText(values, 'orgId'),
    name: textOf(values, 'name'),
    description: textOf(values, 'description'),
    rules: rulesFromValues(values),
  }),
  toUpdate: (values) => ({
    name: textOf(values, 'name'),
    description: textOf(values, 'description'),
    rules: rulesFromValues(values),
  }),
  describe: (item) => item.name,
};
