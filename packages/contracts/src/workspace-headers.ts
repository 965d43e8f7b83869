import { z } from 'zod';
import { base64ToUtf8, utf8ToBase64 } from './base64';
import { appArgsSchema, appExeSchema, entityIdSchema, workspaceTypeSchema } from './common';
import { workspacePolicySchema, type WorkspacePolicy } from './policy';

export const WORKSPACE_ID_HEADER = 'X-Workspace-ID';
export const WORKSPACE_NAME_HEADER = 'X-Workspace-Name';
export const WORKSPACE_TYPE_HEADER = 'X-Workspace-Type';
export const APP_ID_HEADER = 'X-App-ID';
export const APP_EXE_HEADER = 'X-App-Exe';
export const APP_ARGS_HEADER = 'X-App-Args';
export const USER_ID_HEADER = 'X-User-ID';
export const USERNAME_HEADER = 'X-Username';
export const ORG_ID_HEADER = 'X-Org-ID';
export const POLICY_JSON_HEADER = 'X-Policy-JSON';

/** Lower-case, as Node presents incoming header names; the gateway strips these from every inbound request. */
export const WORKSPACE_CONTRACT_HEADERS = [
  'x-workspace-id',
  'x-workspace-name',
  'x-workspace-type',
  'x-app-id',
  'x-app-exe',
  'x-app-args',
  'x-user-id',
  'x-username',
  'x-org-id',
  'x-policy-json',
] as const;
export type WorkspaceContractHeader = (typeof WORKSPACE_CONTRACT_HEADERS)[number];

/** The contract is at most this large once encoded; beyond it peers would answer 431. */
export const MAX_WORKSPACE_HEADERS_LENGTH = 8192;

export const workspaceContractSchema = z.object({
  workspaceId: entityIdSchema,
  workspaceName: z.string().min(1).max(256),
  workspaceType: workspaceTypeSchema,
  appId: entityIdSchema,
  appExe: appExeSchema,
  appArgs: appArgsSchema,
  userId: entityIdSchema,
  username: z.string().min(1).max(128),
  orgId: entityIdSchema,
  policy: workspacePolicySchema,
});
export type WorkspaceContract = z.infer<typeof workspaceContractSchema>;

type TextField = Exclude<keyof WorkspaceContract, 'policy'>;

export const workspaceHeaderNames = {
  workspaceId: WORKSPACE_ID_HEADER,
  workspaceName: WORKSPACE_NAME_HEADER,
  workspaceType: WORKSPACE_TYPE_HEADER,
  appId: APP_ID_HEADER,
  appExe: APP_EXE_HEADER,
  appArgs: APP_ARGS_HEADER,
  userId: USER_ID_HEADER,
  username: USERNAME_HEADER,
  orgId: ORG_ID_HEADER,
  policy: POLICY_JSON_HEADER,
} as const satisfies Record<keyof WorkspaceContract, string>;
export type WorkspaceHeaderName = (typeof workspaceHeaderNames)[keyof WorkspaceContract];

const percentEncodedHeader = z.string().max(MAX_WORKSPACE_HEADERS_LENGTH);
/**
 * The workspace contract as the gateway sends it, by lower-case header name: what an OpenAPI document and a
 * stand-in check. decodeWorkspaceHeaders does the full check (percent-decoding, the policy's JSON).
 */
export const workspaceHeadersSchema = z.object({
  ...Object.fromEntries(
    Object.values(workspaceHeaderNames)
      .filter((name) => name !== POLICY_JSON_HEADER)
      .map((name) => [name.toLowerCase(), percentEncodedHeader.describe('percent-encoded UTF-8')]),
  ),
  [POLICY_JSON_HEADER.toLowerCase()]: percentEncodedHeader.describe('base64 of the policy as UTF-8 JSON'),
});

const textFields: readonly TextField[] = [
  'workspaceId',
  'workspaceName',
  'workspaceType',
  'appId',
  'appExe',
  'appArgs',
  'userId',
  'username',
  'orgId',
];

type Issue = z.core.$ZodIssue;

function issue(path: PropertyKey[], message: string, input?: unknown): Issue {
  return { code: 'custom', path, message, input };
}

export function encodePolicyHeader(policy: WorkspacePolicy): string {
  return utf8ToBase64(JSON.stringify(workspacePolicySchema.parse(policy)));
}

/** Throws a ZodError: malformed base64, invalid UTF-8, malformed JSON and schema violations are all refused. */
export function decodePolicyHeader(value: string): WorkspacePolicy {
  if (value.length > MAX_WORKSPACE_HEADERS_LENGTH) {
    throw new z.ZodRealError([
      issue([], `${POLICY_JSON_HEADER} is longer than ${MAX_WORKSPACE_HEADERS_LENGTH} characters`),
    ]);
  }
  let json: string;
  try {
    json = base64ToUtf8(value.trim());
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new z.ZodRealError([
      issue([], `${POLICY_JSON_HEADER} is not base64 of UTF-8 JSON: ${detail}`, value),
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new z.ZodRealError([issue([], `${POLICY_JSON_HEADER} does not contain valid JSON`, value)]);
  }
  return workspacePolicySchema.parse(parsed);
}

// Text fields are sent percent-encoded (encodeURIComponent): header values must be ASCII without control characters.
const percentEncoded = /^[A-Za-z0-9\-_.!~*'()%]*$/;

export function encodeWorkspaceHeaders(contract: WorkspaceContract): Record<WorkspaceHeaderName, string> {
  const valid = workspaceContractSchema.parse(contract);
  const issues: Issue[] = [];
  const encoded = {} as Record<WorkspaceHeaderName, string>;
  for (const field of textFields) {
    try {
      encoded[workspaceHeaderNames[field]] = encodeURIComponent(valid[field]);
    } catch {
      issues.push(issue([field], 'contains an unpaired surrogate and cannot be encoded'));
    }
  }
  encoded[POLICY_JSON_HEADER] = encodePolicyHeader(valid.policy);
  const total = Object.values<string>(encoded).reduce((sum, value) => sum + value.length, 0);
  if (total > MAX_WORKSPACE_HEADERS_LENGTH) {
    issues.push(
      issue([], `encoded workspace headers are ${total} characters, over ${MAX_WORKSPACE_HEADERS_LENGTH}`),
    );
  }
  if (issues.length > 0) throw new z.ZodRealError(issues);
  return encoded;
}

/**
 * Header names are matched case-insensitively. Throws a ZodError whose issue paths and messages name the
 * offending header (missing, repeated, not percent-encoded, or invalid).
 */
export function decodeWorkspaceHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): WorkspaceContract {
  const byLowerName = new Map<string, string | string[] | undefined>();
  for (const [name, value] of Object.entries(headers)) byLowerName.set(name.toLowerCase(), value);

  const issues: Issue[] = [];
  const candidate: Partial<Record<keyof WorkspaceContract, unknown>> = {};
  const failed = new Set<keyof WorkspaceContract>();

  const single = (field: keyof WorkspaceContract): string | undefined => {
    const name = workspaceHeaderNames[field];
    const raw = byLowerName.get(name.toLowerCase());
    const value = Array.isArray(raw) ? (raw.length === 1 ? raw[0] : null) : raw;
    if (value === undefined) issues.push(issue([name], `missing header ${name}`));
    else if (value === null) issues.push(issue([name], `header ${name} was sent more than once`));
    else return value;
    failed.add(field);
    return undefined;
  };

  for (const field of textFields) {
    const name = workspaceHeaderNames[field];
    const value = single(field);
    if (value === undefined) continue;
    let decoded: string | undefined;
    if (percentEncoded.test(value)) {
      try {
        decoded = decodeURIComponent(value);
      } catch {
        decoded = undefined;
      }
    }
    if (decoded === undefined) {
      issues.push(issue([name], `header ${name} is not percent-encoded UTF-8`, value));
      failed.add(field);
    } else {
      candidate[field] = decoded;
    }
  }

  const policyValue = single('policy');
  if (policyValue !== undefined) {
    try {
      candidate.policy = decodePolicyHeader(policyValue);
    } catch (error) {
      if (!(error instanceof z.ZodError)) throw error;
      for (const inner of error.issues) {
        const message = inner.message.startsWith(POLICY_JSON_HEADER)
          ? inner.message
          : `header ${POLICY_JSON_HEADER}: ${inner.message}`;
        issues.push({ ...inner, path: [POLICY_JSON_HEADER, ...inner.path], message });
      }
      failed.add('policy');
    }
  }

  const result = workspaceContractSchema.safeParse(candidate);
  if (!result.success) {
    for (const inner of result.error.issues) {
      const field = inner.path[0] as keyof WorkspaceContract | undefined;
      if (field !== undefined && failed.has(field)) continue;
      const name = field === undefined ? undefined : workspaceHeaderNames[field];
      issues.push({
        ...inner,
        path: name === undefined ? inner.path : [name, ...inner.path.slice(1)],
        message: name === undefined ? inner.message : `header ${name}: ${inner.message}`,
      });
    }
  }
  if (issues.length > 0 || !result.success) throw new z.ZodRealError(issues);
  return result.data;
}
