// The bench's data, created through IAM's HTTP API as the bootstrap platform admin: an organization, its
// users, a group of them all, an application, a workspace offering it and an entitlement of the group.
import { randomBytes } from 'node:crypto';
import {
  type Application,
  applicationRoutes,
  type Entitlement,
  entitlementRoutes,
  type Group,
  groupMemberRoutes,
  groupRoutes,
  loginRoute,
  type Organization,
  organizationRoutes,
  resolveEntitlementRoute,
  type TokenResponse,
  type User,
  userRoutes,
  type Workspace,
  workspaceRoutes,
} from '@webstream/contracts';
import { count, progress } from '../report';
import { type HttpClient } from './load';

export interface SeedUser {
  id: string;
  username: string;
}

export interface Seed {
  organization: Organization;
  users: SeedUser[];
  /** Every bench user has this one password. */
  password: string;
  group: Group;
  application: Application;
  workspace: Workspace;
  entitlement: Entitlement;
  /** Every write that answered something other than 200/201/204, by "METHOD path → status". */
  unexpected: string[];
}

/** Logs in and returns the token response; throws on anything but 200. */
export async function login(http: HttpClient, username: string, password: string): Promise<TokenResponse> {
  const answer = await http.send(loginRoute.method, loginRoute.path, { json: { username, password } });
  if (answer.status !== 200)
    throw new Error(`login of ${username} answered ${answer.status}: ${answer.body}`);
  return JSON.parse(answer.body) as TokenResponse;
}

export function resolvePath(workspaceId: string, appId: string): string {
  return `${resolveEntitlementRoute.path}?workspaceId=${encodeURIComponent(workspaceId)}&appId=${encodeURIComponent(appId)}`;
}

async function inTurns<T>(items: number, parallel: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(items);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items) {
      const i = next++;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items) }, worker));
  return results;
}

export async function seed(
  http: HttpClient,
  admin: { username: string; password: string },
  users: number,
): Promise<Seed> {
  const t0 = performance.now();
  const unexpected: string[] = [];
  const token = (await login(http, admin.username, admin.password)).accessToken;
  const write = async <T>(method: string, path: string, json?: unknown): Promise<T> => {
    const answer = await http.send(method, path, { bearer: token, ...(json !== undefined ? { json } : {}) });
    const expected = method === 'POST' ? [201] : [200, 201, 204];
    if (!expected.includes(answer.status)) unexpected.push(`${method} ${path} → ${answer.status}`);
    if (answer.status < 200 || answer.status >= 300) {
      throw new Error(`${method} ${path} answered ${answer.status}: ${answer.body.slice(0, 500)}`);
    }
    return (answer.body ? JSON.parse(answer.body) : undefined) as T;
  };

  const suffix = randomBytes(3).toString('hex');
  const organization = await write<Organization>(
    organizationRoutes.create.method,
    organizationRoutes.create.path,
    {
      name: `Bench ${suffix}`,
      slug: `bench-${suffix}`,
    },
  );
  const orgId = organization.id;
  const password = `Bench-${randomBytes(12).toString('base64url')}`;
  progress(
    `seeding IAM: organization ${organization.slug}, ${count(users)} users (each password hashed by IAM)`,
  );
  // Four at once: creating a user hashes its password, which is what takes the time.
  const created = await inTurns(users, 4, (i) =>
    write<User>(userRoutes.create.method, userRoutes.create.path, {
      orgId,
      username: `bench-user-${String(i).padStart(3, '0')}`,
      password,
      displayName: `Bench user ${i}`,
    }),
  );
  const group = await write<Group>(groupRoutes.create.method, groupRoutes.create.path, {
    orgId,
    name: 'Bench users',
  });
  await inTurns(created.length, 4, (i) =>
    write(
      groupMemberRoutes.add.method,
      groupMemberRoutes.add.path.replace(':id', group.id).replace(':userId', created[i]!.id),
    ),
  );
  const application = await write<Application>(
    applicationRoutes.create.method,
    applicationRoutes.create.path,
    {
      orgId,
      name: 'Bench terminal',
      exe: 'xterm',
      args: '-fa Monospace',
    },
  );
  const workspace = await write<Workspace>(workspaceRoutes.create.method, workspaceRoutes.create.path, {
    orgId,
    name: 'Bench workspace',
    applicationIds: [application.id],
  });
  const entitlement = await write<Entitlement>(
    entitlementRoutes.create.method,
    entitlementRoutes.create.path,
    {
      workspaceId: workspace.id,
      groupId: group.id,
    },
  );
  progress(
    `  seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s: group of ${count(created.length)}, application, workspace, entitlement of the group`,
  );
  return {
    organization,
    users: created.map((u) => ({ id: u.id, username: u.username })),
    password,
    group,
    application,
    workspace,
    entitlement,
    unexpected,
  };
}
