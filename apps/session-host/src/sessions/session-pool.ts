/**
 * The host's sessionHost.maxSessions slots. Slot i is streamer port basePort + i, so two sessions never share
 * a port; the lowest free slot is taken first, and a slot is free again only once its streamer's process
 * group is gone (its port released).
 */
export class SessionPool {
  private readonly taken: boolean[];

  constructor(
    readonly maxSessions: number,
    private readonly basePort: number,
  ) {
    this.taken = new Array<boolean>(maxSessions).fill(false);
  }

  get inUse(): number {
    return this.taken.filter(Boolean).length;
  }

  get isFull(): boolean {
    return this.inUse >= this.maxSessions;
  }

  /** The lowest free slot and its port, or undefined when every slot is taken. */
  take(): { slot: number; port: number } | undefined {
    const slot = this.taken.indexOf(false);
    if (slot === -1) return undefined;
    this.taken[slot] = true;
    return { slot, port: this.basePort + slot };
  }

  release(slot: number): void {
    this.taken[slot] = false;
  }
}
