import {
  entitlementResolutionSchema,
  errorEnvelopeSchema,
  groupMemberParamSchema,
  groupMemberRoutes,
  groupMembershipSchema,
  iamIdParamSchema,
  loginRequestSchema,
  loginRoute,
  logoutRequestSchema,
  logoutResponseSchema,
  logoutRoute,
  meResponseSchema,
  meRoute,
  myWorkspacesResponseSchema,
  myWorkspacesRoute,
  pageQuerySchema,
  refreshRequestSchema,
  refreshRoute,
  resolveEntitlementQuerySchema,
  resolveEntitlementRoute,
  type RouteDefinition,
  tokenResponseSchema,
  userPageSchema,
} from '@webstream/contracts';
import { type z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import { type IamResource, iamResources } from '../common/iam-resources';

interface Operation {
  route: RouteDefinition;
  summary: string;
  tag: string;
  auth: boolean;
  query?: z.ZodObject;
  path?: z.ZodObject;
  body?: z.ZodType;
  status: number;
  response?: z.ZodType;
}

function crudOperations(resource: IamResource): Operation[] {
  const { tag, routes } = resource;
  const common = { tag, auth: true };
  return [
    {
      ...common,
      route: routes.list,
      summary: `List ${tag}`,
      query: resource.listQuery,
      status: 200,
      response: resource.page,
    },
    {
      ...common,
      route: routes.create,
      summary: `Create one of the ${tag}`,
      body: resource.create,
      status: 201,
      response: resource.created ?? resource.item,
    },
    {
      ...common,
      route: routes.get,
      summary: `Read one of the ${tag}`,
      path: iamIdParamSchema,
      status: 200,
      response: resource.item,
    },
    {
      ...common,
      route: routes.update,
      summary: `Change one of the ${tag}`,
      path: iamIdParamSchema,
      body: resource.update,
      status: 200,
      response: resource.item,
    },
    {
      ...common,
      route: routes.remove,
      summary: `Delete one of the ${tag}`,
      path: iamIdParamSchema,
      status: 204,
    },
  ];
}

/** Every route the IAM module serves; a test checks this list against the routes Nest actually mapped. */
export const iamOperations: Operation[] = [
  {
    route: loginRoute,
    summary: 'Sign in',
    tag: 'auth',
    auth: false,
    body: loginRequestSchema,
    status: 200,
    response: tokenResponseSchema,
  },
  {
    route: refreshRoute,
    summary: 'Exchange a refresh token for new tokens',
    tag: 'auth',
    auth: false,
    body: refreshRequestSchema,
    status: 200,
    response: tokenResponseSchema,
  },
  {
    route: logoutRoute,
    summary: "End the refresh token's sessions",
    tag: 'auth',
    auth: false,
    body: logoutRequestSchema,
    status: 200,
    response: logoutResponseSchema,
  },
  {
    route: meRoute,
    summary: 'The signed-in user',
    tag: 'me',
    auth: true,
    status: 200,
    response: meResponseSchema,
  },
  {
    route: myWorkspacesRoute,
    summary: "The signed-in user's workspaces",
    tag: 'me',
    auth: true,
    status: 200,
    response: myWorkspacesResponseSchema,
  },
  {
    route: resolveEntitlementRoute,
    summary: 'May a user launch this application of this workspace?',
    tag: 'entitlements',
    auth: true,
    query: resolveEntitlementQuerySchema,
    status: 200,
    response: entitlementResolutionSchema,
  },
  ...iamResources.flatMap(crudOperations),
  {
    route: groupMemberRoutes.list,
    summary: "A group's members",
    tag: 'groups',
    auth: true,
    path: iamIdParamSchema,
    query: pageQuerySchema.pick({ page: true, pageSize: true }),
    status: 200,
    response: userPageSchema,
  },
  {
    route: groupMemberRoutes.add,
    summary: 'Add a member (idempotent)',
    tag: 'groups',
    auth: true,
    path: groupMemberParamSchema,
    status: 200,
    response: groupMembershipSchema,
  },
  {
    route: groupMemberRoutes.remove,
    summary: 'Remove a member',
    tag: 'groups',
    auth: true,
    path: groupMemberParamSchema,
    status: 204,
  },
];

/** `/iam/users/:id` → `/iam/users/{id}` */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z]+)/g, '{$1}');
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorEnvelopeSchema } },
});

function operationObject(operation: Operation): ZodOpenApiOperationObject {
  return {
    summary: operation.summary,
    tags: [operation.tag],
    ...(operation.auth ? { security: [{ bearer: [] }, { apiKey: [] }] } : { security: [] }),
    ...(operation.query || operation.path
      ? {
          requestParams: {
            ...(operation.query ? { query: operation.query } : {}),
            ...(operation.path ? { path: operation.path } : {}),
          },
        }
      : {}),
    ...(operation.body
      ? { requestBody: { content: { 'application/json': { schema: operation.body } } } }
      : {}),
    responses: {
      [String(operation.status)]: operation.response
        ? { description: 'OK', content: { 'application/json': { schema: operation.response } } }
        : { description: 'Done' },
      '400': errorResponse('The request is invalid: error.fields names each field at fault'),
      ...(operation.auth
        ? {
            '401': errorResponse('No valid access token or API key'),
            '403': errorResponse('Not allowed for this role or scope'),
          }
        : {}),
      ...(operation.path ? { '404': errorResponse('No such record in your organization') } : {}),
      ...(operation.route.method === 'POST' || operation.route.method === 'PATCH'
        ? { '409': errorResponse('Conflicts with an existing record') }
        : {}),
      ...(operation.route === loginRoute
        ? { '429': errorResponse('Too many failed logins: wait Retry-After seconds') }
        : {}),
    },
  };
}

export function buildIamOpenApiDocument(version: string): ReturnType<typeof createDocument> {
  const paths: ZodOpenApiPathsObject = {};
  for (const operation of iamOperations) {
    const path = openApiPath(operation.route.path);
    paths[path] = { ...paths[path], [operation.route.method.toLowerCase()]: operationObject(operation) };
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'WebStream Access Management (IAM)',
      version,
      description:
        'Organizations, users, groups, applications, policies, workspaces, entitlements and API keys.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    paths,
  });
}
