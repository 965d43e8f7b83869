import { randomBytes } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { PasswordHasher } from '../auth/password-hasher';
import { IamDatabase } from '../database/iam-database';
import { type IamSettings, InjectIamSettings } from '../settings/iam-settings';

// Serialises the first start of several IAM instances on one empty database.
const BOOTSTRAP_LOCK = 0x1a4b_0001;

export const DEFAULT_ORGANIZATION_SLUG = 'default';
export const DEMO = {
  organization: { name: 'Demo', slug: 'demo' },
  username: 'demo',
  application: { name: 'Terminal', exe: 'xterm', args: '', description: 'A terminal on the session host' },
  workspace: {
    name: 'Demo workspace',
    description: 'Launch an application at once: entitled to the demo user',
  },
} as const;

interface Credential {
  username: string;
  organization: string;
  password: string;
}

function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * First start: on an empty database, the platform administrator (from accessManagement.bootstrapAdmin or
 * WEBSTREAM_ADMIN_*; without a password one is generated, logged once and written to a 0600 file) and, where
 * accessManagement.demo is on, a demo organization, user, application and workspace.
 */
@Injectable()
export class IamBootstrap implements OnApplicationBootstrap {
  constructor(
    @InjectIamSettings() private readonly settings: IamSettings,
    private readonly db: IamDatabase,
    private readonly passwords: PasswordHasher,
    private readonly logger: PinoLogger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { bootstrapAdmin } = this.settings;
    const admin: Credential = {
      username: bootstrapAdmin.username,
      organization: DEFAULT_ORGANIZATION_SLUG,
      password: bootstrapAdmin.password ?? generatePassword(),
    };
    const demo: Credential = {
      username: DEMO.username,
      organization: DEMO.organization.slug,
      password: generatePassword(),
    };
    // Cheap test first: on every start but the first there is nothing to do, and hashing takes a while.
    if ((await this.db.user.count()) > 0) return;
    const adminHash = await this.passwords.hash(admin.password);
    const demoHash = this.settings.demo ? await this.passwords.hash(demo.password) : undefined;
    const created = await this.db.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK})`;
      if ((await tx.user.count()) > 0) return false;
      await tx.organization.create({
        data: {
          name: 'Default',
          slug: DEFAULT_ORGANIZATION_SLUG,
          users: {
            create: {
              username: admin.username,
              displayName: 'Administrator',
              role: 'platform_admin',
              passwordHash: adminHash,
            },
          },
        },
      });
      if (demoHash !== undefined) {
        const organization = await tx.organization.create({
          data: {
            ...DEMO.organization,
            users: {
              create: {
                username: demo.username,
                displayName: 'Demo user',
                role: 'user',
                passwordHash: demoHash,
              },
            },
            applications: { create: DEMO.application },
          },
          include: { users: true, applications: true },
        });
        await tx.workspace.create({
          data: {
            orgId: organization.id,
            ...DEMO.workspace,
            type: 'app',
            applications: {
              create: organization.applications.map((application, position) => ({
                applicationId: application.id,
                position,
              })),
            },
            entitlements: {
              create: organization.users.map((user) => ({ orgId: organization.id, userId: user.id })),
            },
          },
        });
      }
      return true;
    });
    if (!created) return;

    const generated = [
      ...(bootstrapAdmin.password === undefined ? [admin] : []),
      ...(demoHash !== undefined ? [demo] : []),
    ];
    if (generated.length === 0) {
      this.logger.info(
        { username: admin.username, organization: admin.organization },
        'first administrator created',
      );
      return;
    }
    const file = resolve(bootstrapAdmin.credentialsFile);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(
      file,
      generated
        .map((c) => `organization=${c.organization} username=${c.username} password=${c.password}\n`)
        .join(''),
      { mode: 0o600 },
    );
    await chmod(file, 0o600);
    // Logged this once, on purpose: nobody could sign in otherwise. The file keeps it for the operator.
    for (const credential of generated) {
      this.logger.warn(
        {
          organization: credential.organization,
          username: credential.username,
          generatedPassword: credential.password,
          credentialsFile: file,
        },
        credential === admin
          ? 'first administrator created with a generated password: sign in and change it'
          : 'demo user created: sign in to launch the demo workspace',
      );
    }
  }
}
