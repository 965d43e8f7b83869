import { type SeatCheckin, type SeatCheckout, type SeatStore } from './seat-store';

/** The seats of a gateway running alone. Each operation runs to its end without yielding, so it is atomic. */
export class MemorySeatStore implements SeatStore {
  // GUID → last check-in (ms). A refresh deletes and re-inserts, so iteration order is oldest check-in first.
  private readonly seats = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async checkin(streamerGuid: string, cap: number): Promise<SeatCheckin> {
    const now = this.expire();
    const held = this.seats.delete(streamerGuid);
    if (!held && this.seats.size >= cap) return { admitted: false, activeStreamers: this.seats.size };
    this.seats.set(streamerGuid, now);
    return { admitted: true, activeStreamers: this.seats.size };
  }

  async checkout(streamerGuid: string): Promise<SeatCheckout> {
    this.expire();
    const released = this.seats.delete(streamerGuid);
    return { released, activeStreamers: this.seats.size };
  }

  async count(): Promise<number> {
    this.expire();
    return this.seats.size;
  }

  private expire(): number {
    const now = this.now();
    for (const [guid, seenAt] of this.seats) {
      if (now - seenAt < this.ttlMs) break;
      this.seats.delete(guid);
    }
    return now;
  }
}
