import { randomFillSync } from 'node:crypto';
import { type Redis } from 'ioredis';

/** What a WebSocket ticket grants: one upgrade of one path of one session, for its user. */
export interface TicketGrant {
  sessionId: string;
  userId: string;
  path: string;
}

/**
 * Single-use tickets for the browser's WebSocket upgrades (a browser cannot set an Authorization header on
 * them). Issued by /getConnection, consumed atomically by the first upgrade that presents them, on any gateway.
 */
export abstract class TicketStore {
  abstract issue(grant: TicketGrant, ttlSeconds: number): Promise<string>;
  /** The grant, once: a second call with the same ticket answers undefined. */
  abstract consume(ticket: string): Promise<TicketGrant | undefined>;
}

const TICKET_BYTES = 32;
// Every /getConnection issues three tickets: the random bytes come from a pool refilled 128 tickets at a time,
// rather than one trip to the kernel's generator each.
const pool = Buffer.alloc(TICKET_BYTES * 128);
let poolOffset = pool.length;

function newTicket(): string {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const ticket = pool.toString('base64url', poolOffset, poolOffset + TICKET_BYTES);
  poolOffset += TICKET_BYTES;
  return ticket;
}

export class MemoryTicketStore extends TicketStore {
  private readonly tickets = new Map<string, { grant: TicketGrant; until: number }>();

  issue(grant: TicketGrant, ttlSeconds: number): Promise<string> {
    const now = Date.now();
    // Issued in time order with one lifetime, so the expired ones are at the front.
    for (const [ticket, entry] of this.tickets) {
      if (entry.until > now) break;
      this.tickets.delete(ticket);
    }
    const ticket = newTicket();
    this.tickets.set(ticket, { grant, until: now + ttlSeconds * 1000 });
    return Promise.resolve(ticket);
  }

  consume(ticket: string): Promise<TicketGrant | undefined> {
    const entry = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    return Promise.resolve(entry !== undefined && entry.until > Date.now() ? entry.grant : undefined);
  }
}

/** Shared by every gateway: the upgrade may reach another gateway than the one that issued the ticket. */
export class RedisTicketStore extends TicketStore {
  constructor(private readonly redis: Redis) {
    super();
  }

  async issue(grant: TicketGrant, ttlSeconds: number): Promise<string> {
    const ticket = newTicket();
    await this.redis.set(`ws-ticket:${ticket}`, JSON.stringify(grant), 'PX', Math.ceil(ttlSeconds * 1000));
    return ticket;
  }

  async consume(ticket: string): Promise<TicketGrant | undefined> {
    // GETDEL: read and delete in one step, so two upgrades racing with one ticket cannot both win.
    const json = await this.redis.getdel(`ws-ticket:${ticket}`);
    return json === null ? undefined : (JSON.parse(json) as TicketGrant);
  }
}
