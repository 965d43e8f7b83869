import { defaultVideoPolicy, policyRulesSchema, type WorkspacePolicy } from '@webstream/contracts';
import { boolOf, type FormValues, numberOf, optionalText, textOf } from '../kit/form-values';
import { type FieldSpec } from '../kit/resource-spec';
import { maxLengthOf, maxOf, minOf } from './limits';

const rules = policyRulesSchema.shape;

/** The policy form's rule fields, named by their path in the policy body so that API errors land on them. */
export const ruleFields: readonly FieldSpec[] = [
  {
    name: 'rules.clipboard.inbound',
    label: 'Clipboard inbound',
    kind: 'checkbox',
    section: 'Clipboard',
    hint: 'Paste into the session.',
  },
  {
    name: 'rules.clipboard.outbound',
    label: 'Clipboard outbound',
    kind: 'checkbox',
    section: 'Clipboard',
    hint: 'Copy out of the session.',
  },
  {
    name: 'rules.clipboard.maxBytes',
    label: 'Clipboard max bytes',
    kind: 'number',
    min: minOf(rules.clipboard.shape.maxBytes),
    max: maxOf(rules.clipboard.shape.maxBytes),
    section: 'Clipboard',
  },
  { name: 'rules.fileTransfer.upload', label: 'File upload', kind: 'checkbox', section: 'File transfer' },
  {
    name: 'rules.fileTransfer.download',
    label: 'File download',
    kind: 'checkbox',
    section: 'File transfer',
  },
  { name: 'rules.printing', label: 'Printing', kind: 'checkbox', section: 'Session' },
  {
    name: 'rules.inputAllowed',
    label: 'Input allowed',
    kind: 'checkbox',
    section: 'Session',
    hint: 'Off: view only.',
  },
  { name: 'rules.audio', label: 'Audio', kind: 'checkbox', section: 'Session' },
  {
    name: 'rules.idleTimeoutSeconds',
    label: 'Idle timeout seconds',
    kind: 'number',
    min: minOf(rules.idleTimeoutSeconds),
    section: 'Time limits',
    hint: '0: no idle timeout.',
  },
  {
    name: 'rules.maxSessionSeconds',
    label: 'Max session seconds',
    kind: 'number',
    min: minOf(rules.maxSessionSeconds),
    section: 'Time limits',
    hint: '0: no maximum.',
  },
  {
    name: 'rules.sessionWarningSeconds',
    label: 'Session warning seconds',
    kind: 'number',
    min: minOf(rules.sessionWarningSeconds),
    section: 'Time limits',
    hint: 'How long before a limit the user is warned.',
  },
  {
    name: 'rules.video.h264',
    label: 'H.264',
    kind: 'checkbox',
    section: 'Picture',
    hint: 'Off: JPEG only (several times the bandwidth).',
  },
  {
    name: 'rules.video.maxBitrateKbps',
    label: 'H.264 bitrate cap (kbit/s)',
    kind: 'number',
    min: minOf(rules.video.unwrap().shape.maxBitrateKbps),
    section: 'Picture',
  },
  {
    name: 'rules.sandbox',
    label: 'Sandbox (JSON)',
    kind: 'textarea',
    section: 'Sandbox',
    hint: 'limits (memoryMb, cpus, processes, openFiles, homeDiskMb), network (host | none), home (persistent | ephemeral). Empty: the session host’s settings.',
  },
  { name: 'rules.watermark.enabled', label: 'Watermark', kind: 'checkbox', section: 'Watermark' },
  {
    name: 'rules.watermark.text',
    label: 'Watermark text',
    kind: 'text',
    maxLength: maxLengthOf(rules.watermark.shape.text.unwrap()),
    section: 'Watermark',
  },
];

/** The rules from the rule fields' values. */
export function rulesFromValues(values: FormValues): WorkspacePolicy {
  const watermarkText = optionalText(values, 'rules.watermark.text');
  return {
    clipboard: {
      inbound: boolOf(values, 'rules.clipboard.inbound'),
      outbound: boolOf(values, 'rules.clipboard.outbound'),
      maxBytes: numberOf(values, 'rules.clipboard.maxBytes'),
    },
    fileTransfer: {
      upload: boolOf(values, 'rules.fileTransfer.upload'),
      download: boolOf(values, 'rules.fileTransfer.download'),
    },
    printing: boolOf(values, 'rules.printing'),
    inputAllowed: boolOf(values, 'rules.inputAllowed'),
    idleTimeoutSeconds: numberOf(values, 'rules.idleTimeoutSeconds'),
    maxSessionSeconds: numberOf(values, 'rules.maxSessionSeconds'),
    sessionWarningSeconds: numberOf(values, 'rules.sessionWarningSeconds'),
    watermark: {
      enabled: boolOf(values, 'rules.watermark.enabled'),
      ...(watermarkText === undefined ? {} : { text: watermarkText }),
    },
    audio: boolOf(values, 'rules.audio'),
    video: {
      // JPEG stays as the fallback for browsers without WebCodecs.
      codecs: boolOf(values, 'rules.video.h264') ? ['h264', 'jpeg'] : ['jpeg'],
      maxBitrateKbps: numberOf(values, 'rules.video.maxBitrateKbps'),
    },
    ...sandboxOf(values),
  };
}

/**
 * The sandbox settings as JSON (empty: the session host's defaults). What is not JSON goes to the API as it is,
 * whose 400 then lands on the field.
 */
function sandboxOf(values: FormValues): Pick<WorkspacePolicy, 'sandbox'> {
  const text = textOf(values, 'rules.sandbox');
  if (text === '') return {};
  let sandbox: unknown = text;
  try {
    sandbox = JSON.parse(text);
  } catch {
    // left as text: the API names the field
  }
  return { sandbox: sandbox as WorkspacePolicy['sandbox'] };
}

/** The rule fields' values from the rules. */
export function valuesFromRules(rules: WorkspacePolicy): FormValues {
  return {
    'rules.clipboard.inbound': rules.clipboard.inbound,
    'rules.clipboard.outbound': rules.clipboard.outbound,
    'rules.clipboard.maxBytes': String(rules.clipboard.maxBytes),
    'rules.fileTransfer.upload': rules.fileTransfer.upload,
    'rules.fileTransfer.download': rules.fileTransfer.download,
    'rules.printing': rules.printing,
    'rules.inputAllowed': rules.inputAllowed,
    'rules.idleTimeoutSeconds': String(rules.idleTimeoutSeconds),
    'rules.maxSessionSeconds': String(rules.maxSessionSeconds),
    'rules.sessionWarningSeconds': String(rules.sessionWarningSeconds),
    'rules.watermark.enabled': rules.watermark.enabled,
    'rules.watermark.text': rules.watermark.text ?? '',
    'rules.audio': rules.audio,
    'rules.video.h264': (rules.video ?? defaultVideoPolicy).codecs.includes('h264'),
    'rules.video.maxBitrateKbps': String((rules.video ?? defaultVideoPolicy).maxBitrateKbps),
    'rules.sandbox': rules.sandbox === undefined ? '' : JSON.stringify(rules.sandbox, null, 2),
  };
}
