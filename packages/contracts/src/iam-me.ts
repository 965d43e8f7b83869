import { z } from 'zod';
import { appArgsSchema, appExeSchema, type RouteDefinition, workspaceTypeSchema } from './common';
import { authUserSchema } from './iam-auth';
import { iamIdSchema } from './iam-common';
import { workspacePolicySchema } from './policy';

export const meRoute = { method: 'GET', path: '/iam/me' } as const satisfies RouteDefinition;
export const myWorkspacesRoute = {
  method: 'GET',
  path: '/iam/me/workspaces',
} as const satisfies RouteDefinition;

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

/** Where the IAM API describes itself (OpenAPI 3.1). */
export const iamOpenApiRoute = {
  method: 'GET',
  path: '/iam/openapi.json',
} as const satisfies RouteDefinition;
