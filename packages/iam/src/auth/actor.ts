import { createParamDecorator, type ExecutionContext, ForbiddenException } from '@nestjs/common';
import { type ApiKeyScope, type UserRole } from '@webstream/contracts';
import type { Request } from 'express';

/** Who is calling: a signed-in user, or an API key acting as an admin of its organization. */
export interface Actor {
  kind: 'user' | 'api-key';
  id: string;
  name: string;
  orgId: string;
  role: UserRole;
  /** API keys only; a user's token carries every right of its role. */
  scopes?: readonly ApiKeyScope[];
}

export type AuthenticatedRequest = Request & { user?: Actor };

export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  // The guard runs first; reaching here without an actor is a wiring mistake, not a client error.
  if (actor === undefined) throw new Error('CurrentActor used on a route without IamAuthGuard');
  return actor;
});

export function isPlatformAdmin(actor: Actor): boolean {
  return actor.role === 'platform-admin';
}

/**
 * Admin rights over an organization's records: platform and org admins, and API keys with an iam scope
 * (iam:read for reading, iam:write for changing).
 */
export function assertAdmin(actor: Actor, access: 'read' | 'write'): void {
  if (actor.kind === 'api-key') {
    const scopes = actor.scopes ?? [];
    const allowed =
      access === 'read'
        ? scopes.includes('iam:read') || scopes.includes('iam:write')
        : scopes.includes('iam:write');
    if (!allowed) throw new ForbiddenException(`this API key has no iam:${access} scope`);
    return;
  }
  if (actor.role === 'user') throw new ForbiddenException('only an administrator may do this');
}
