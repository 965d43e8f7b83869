import { ForbiddenException, NotFoundException } from '@nestjs/common';
import { type Actor, isPlatformAdmin } from '../auth/actor';

/**
 * The organization filter of a read: a platform admin sees every organization (or the one asked for);
 * everyone else only their own, and asking for another is refused without saying whether it exists.
 */
export function readScope(actor: Actor, requestedOrgId?: string): { orgId?: string } {
  if (isPlatformAdmin(actor)) return requestedOrgId === undefined ? {} : { orgId: requestedOrgId };
  if (requestedOrgId !== undefined && requestedOrgId !== actor.orgId) {
    throw new ForbiddenException('query.orgId: you can only see your own organization');
  }
  return { orgId: actor.orgId };
}

/** The organization a record is looked up in by id: another organization's id answers 404, never its data. */
export function recordScope(actor: Actor): { orgId?: string } {
  return isPlatformAdmin(actor) ? {} : { orgId: actor.orgId };
}

/** The organization a new record goes to: the caller's own, unless a platform admin names another. */
export function targetOrg(actor: Actor, requestedOrgId?: string): string {
  if (requestedOrgId === undefined || requestedOrgId === actor.orgId) return actor.orgId;
  if (isPlatformAdmin(actor)) return requestedOrgId;
  throw new ForbiddenException('orgId: you can only create records in your own organization');
}

export function notFound(what: string, id: string): NotFoundException {
  return new NotFoundException(`${what} ${id} does not exist`);
}
