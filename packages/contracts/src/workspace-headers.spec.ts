import { type IncomingHttpHeaders } from 'node:http';
import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import { utf8ToBase64 } from './base64';
import { zodIssuesToFields } from './errors';
import { defaultPolicy, type WorkspacePolicy } from './policy';
import {
  APP_ARGS_HEADER,
  APP_EXE_HEADER,
  POLICY_JSON_HEADER,
  USERNAME_HEADER,
  WORKSPACE_CONTRACT_HEADERS,
  WORKSPACE_ID_HEADER,
  WORKSPACE_TYPE_HEADER,
  decodePolicyHeader,
  decodeWorkspaceHeaders,
  encodePolicyHeader,
  encodeWorkspaceHeaders,
  workspaceHeaderNames,
  type WorkspaceContract,
} from './workspace-headers';

const contract: WorkspaceContract = {
  workspaceId: 'ws_finance',
  workspaceName: 'Finance — 東京',
  workspaceType: 'app',
  appId: 'app_calc',
  appExe: '/opt/apps/calc/bin/calc',
  appArgs: '--file "Zoë report.ods" --lang=ja',
  userId: 'usr_42',
  username: 'zoë.müller',
  orgId: 'org_acme',
  policy: { ...defaultPolicy, watermark: { enabled: true, text: 'Zoë — 東京' } },
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function zodIssues(fn: () => unknown): z.core.$ZodIssue[] {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(z.ZodError);
  return (error as z.ZodError).issues;
}

describe('workspace header names', () => {
  it('lists the ten seed headers, lower-cased', () => {
    expect(Object.values(workspaceHeaderNames)).toEqual([
      'X-Workspace-ID',
      'X-Workspace-Name',
      'X-Workspace-Type',
      'X-App-ID',
      'X-App-Exe',
      'X-App-Args',
      'X-User-ID',
      'X-Username',
      'X-Org-ID',
      'X-Policy-JSON',
    ]);
    expect(WORKSPACE_CONTRACT_HEADERS).toEqual(
      Object.values(workspaceHeaderNames).map((n) => n.toLowerCase()),
    );
  });
});

describe('policy header', () => {
  it('round-trips non-ASCII text', () => {
    const policy: WorkspacePolicy = { ...defaultPolicy, watermark: { enabled: true, text: 'Zoë — 東京' } };
    const header = encodePolicyHeader(policy);
    expect(header).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decodePolicyHeader(header)).toEqual(policy);
  });

  it('is base64 of the UTF-8 JSON', () => {
    expect(decodePolicyHeader(utf8ToBase64(JSON.stringify(defaultPolicy)))).toEqual(defaultPolicy);
  });

  it('refuses to encode an invalid policy', () => {
    const bad = { ...defaultPolicy, idleTimeoutSeconds: -1 };
    expect(zodIssues(() => encodePolicyHeader(bad)).map((i) => i.path)).toEqual([['idleTimeoutSeconds']]);
  });

  it.each([
    ['not base64', '%%%not-base64%%%', /not base64 of UTF-8 JSON/],
    [
      'missing padding',
      encodePolicyHeader(defaultPolicy).replace(/=+$/, '') + 'x',
      /not base64 of UTF-8 JSON/,
    ],
    ['base64 of non-JSON', utf8ToBase64('{clipboard: yes'), /does not contain valid JSON/],
    ['base64 of invalid UTF-8', '//79', /not base64 of UTF-8 JSON/],
  ])('rejects %s with a clear error', (_label, value, message) => {
    const issues = zodIssues(() => decodePolicyHeader(value));
    expect(issues[0]?.message).toMatch(message);
    expect(issues[0]?.message).toContain(POLICY_JSON_HEADER);
  });

  it('rejects valid JSON that is not a policy, naming the field', () => {
    const value = utf8ToBase64(JSON.stringify({ ...defaultPolicy, audio: 'on' }));
    expect(zodIssues(() => decodePolicyHeader(value)).map((i) => i.path)).toEqual([['audio']]);
  });
});

describe('workspace headers', () => {
  it('round-trips the contract, including non-ASCII text', () => {
    const headers = encodeWorkspaceHeaders(contract);
    expect(decodeWorkspaceHeaders(headers)).toEqual(contract);
  });

  it('sends only header-safe ASCII', () => {
    const headers = encodeWorkspaceHeaders(contract);
    for (const value of Object.values(headers)) expect(value).toMatch(/^[\x21-\x7e]*$/);
    expect(headers[USERNAME_HEADER]).toBe('zo%C3%AB.m%C3%BCller');
    expect(headers[WORKSPACE_ID_HEADER]).toBe('ws_finance');
  });

  it('keeps an empty appArgs', () => {
    const headers = encodeWorkspaceHeaders({ ...contract, appArgs: '' });
    expect(headers[APP_ARGS_HEADER]).toBe('');
    expect(decodeWorkspaceHeaders(headers).appArgs).toBe('');
  });

  it('looks header names up case-insensitively, as Node delivers them', () => {
    const lower: IncomingHttpHeaders = Object.fromEntries(
      Object.entries(encodeWorkspaceHeaders(contract)).map(([name, value]) => [name.toLowerCase(), value]),
    );
    expect(decodeWorkspaceHeaders(lower)).toEqual(contract);
    expect(decodeWorkspaceHeaders({ ...lower, 'x-app-exe': [lower['x-app-exe'] as string] })).toEqual(
      contract,
    );
  });

  it('names a missing header in the error', () => {
    const { [APP_EXE_HEADER]: _omit, ...rest } = encodeWorkspaceHeaders(contract);
    const error = thrown(() => decodeWorkspaceHeaders(rest));
    expect(error).toBeInstanceOf(z.ZodError);
    expect((error as Error).message).toContain('missing header X-App-Exe');
    expect((error as z.ZodError).issues.map((i) => i.path)).toEqual([[APP_EXE_HEADER]]);
    expect(zodIssuesToFields(error as z.ZodError)).toEqual([
      { path: 'X-App-Exe', message: 'missing header X-App-Exe' },
    ]);
  });

  it('reports every missing header at once', () => {
    expect(zodIssues(() => decodeWorkspaceHeaders({})).map((i) => i.path[0])).toEqual(
      Object.values(workspaceHeaderNames),
    );
  });

  it('rejects a header sent twice', () => {
    const headers = encodeWorkspaceHeaders(contract);
    const issues = zodIssues(() =>
      decodeWorkspaceHeaders({ ...headers, [WORKSPACE_ID_HEADER]: ['a1', 'b2'] }),
    );
    expect(issues.map((i) => i.path)).toEqual([[WORKSPACE_ID_HEADER]]);
    expect(issues[0]?.message).toMatch(/more than once/);
  });

  it('rejects tampered policy base64', () => {
    const headers = encodeWorkspaceHeaders(contract);
    const tampered = { ...headers, [POLICY_JSON_HEADER]: '!' + headers[POLICY_JSON_HEADER].slice(1) };
    const issues = zodIssues(() => decodeWorkspaceHeaders(tampered));
    expect(issues.map((i) => i.path)).toEqual([[POLICY_JSON_HEADER]]);
    expect(issues[0]?.message).toMatch(/X-Policy-JSON is not base64/);
  });

  it('rejects base64 that decodes to a policy with a wrong field, naming header and field', () => {
    const headers = encodeWorkspaceHeaders(contract);
    const value = utf8ToBase64(JSON.stringify({ ...defaultPolicy, printing: 'sometimes' }));
    const issues = zodIssues(() => decodeWorkspaceHeaders({ ...headers, [POLICY_JSON_HEADER]: value }));
    expect(issues.map((i) => i.path)).toEqual([[POLICY_JSON_HEADER, 'printing']]);
  });

  it('rejects a value that was not percent-encoded or is malformed', () => {
    const headers = encodeWorkspaceHeaders(contract);
    const raw = zodIssues(() => decodeWorkspaceHeaders({ ...headers, [USERNAME_HEADER]: 'zoë müller' }));
    expect(raw.map((i) => i.path)).toEqual([[USERNAME_HEADER]]);
    const broken = zodIssues(() => decodeWorkspaceHeaders({ ...headers, [USERNAME_HEADER]: 'zo%C3' }));
    expect(broken[0]?.message).toMatch(/not percent-encoded UTF-8/);
  });

  it('rejects an invalid value, naming the header', () => {
    const headers = encodeWorkspaceHeaders(contract);
    const issues = zodIssues(() => decodeWorkspaceHeaders({ ...headers, [WORKSPACE_TYPE_HEADER]: 'vm' }));
    expect(issues.map((i) => i.path)).toEqual([[WORKSPACE_TYPE_HEADER]]);
    expect(issues[0]?.message).toContain(WORKSPACE_TYPE_HEADER);
  });

  it('refuses to encode an invalid contract or one too large for a header block', () => {
    expect(zodIssues(() => encodeWorkspaceHeaders({ ...contract, orgId: '' })).map((i) => i.path)).toEqual([
      ['orgId'],
    ]);
    const huge = { ...contract, appArgs: '東'.repeat(4000) };
    expect(zodIssues(() => encodeWorkspaceHeaders(huge))[0]?.message).toMatch(
      /encoded workspace headers are/,
    );
  });
});
