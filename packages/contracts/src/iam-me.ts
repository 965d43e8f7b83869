import { z } from 'zod';
import { appArgsSchema, appExeSchema, workspaceTypeSchema } from './common';
import { authUserSchema } from './iam-auth';
import { iamIdSchema, iamSecurity } from './iam-common';
import { workspacePolicySchema } from './policy';
import { defineEndpoint } from './endpoint';

export const meResponseSchema = authUserSchema.extend({
  email: z.string().nullable(),
  orgName: z.string(),
  orgSlug: z.string(),
});
export type MeResponse = z.infer<typeof meResponseSchema>;

export const launchableApplicationSchema = z.object({
  id: iamIdSchema,
  name: z.string(),
  description: z.string(),
  icon: z.string().nullable(),
  /** Sent back unchanged in session select, where the gateway checks them against this application. */
  exe: appExeSchema,
  args: appArgsSchema,
});
export type LaunchableApplication = z.infer<typeof launchableApplicationSchema>;

export const myWorkspaceSchema = z.object({
  id: iamIdSchema,
  name: z.string(),
  type: workspaceTypeSchema,
  description: z.string(),
  applications: z.array(launchableApplicationSchema),
  /** What the sessions of this workspace may do, so the client can grey out what the policy forbids. */
  policy: workspacePolicySchema,
});
export type MyWorkspace = z.infer<typeof myWorkspaceSchema>;

export const myWorkspacesResponseSchema = z.object({ items: z.array(myWorkspaceSchema) });
export type MyWorkspacesResponse = z.infer<typeof myWorkspacesResponseSchema>;

export const meRoute = defineEndpoint({
  operationId: 'getMe',
  method: 'GET',
  path: '/iam/me',
  summary: 'The signed-in user',
  tag: 'me',
  security: iamSecurity,
  status: 200,
  response: meResponseSchema,
});
export const myWorkspacesRoute = defineEndpoint({
  operationId: 'listMyWorkspaces',
  method: 'GET',
  path: '/iam/me/workspaces',
  summary: "The signed-in user's workspaces",
  tag: 'me',
  security: iamSecurity,
  status: 200,
  response: myWorkspacesResponseSchema,
});

/** Where the IAM API describes itself (OpenAPI 3.1). */
export const iamOpenApiRoute = defineEndpoint({
  operationId: 'getIamOpenApiDocument',
  method: 'GET',
  path: '/iam/openapi.json',
  summary: "IAM's OpenAPI 3.1 document",
  tag: 'operations',
  security: [],
  status: 200,
  response: z.looseObject({ openapi: z.string() }),
});
