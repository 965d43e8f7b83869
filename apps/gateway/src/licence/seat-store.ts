import { Inject } from '@nestjs/common';
import { STREAMER_CHECKIN_INTERVAL_SECONDS } from '@webstream/contracts';

/** A streamer that misses this many check-ins in a row has gone, and its seat is free again. */
export const MISSED_CHECKINS_BEFORE_EXPIRY = 3;
/** 45 s: three check-in intervals. */
export const DEFAULT_SEAT_TTL_MS = MISSED_CHECKINS_BEFORE_EXPIRY * STREAMER_CHECKIN_INTERVAL_SECONDS * 1000;

export interface SeatCheckin {
  /** The streamer holds a seat now: it had one (refreshed) or took a free one. */
  admitted: boolean;
  activeStreamers: number;
}

export interface SeatCheckout {
  /** The streamer held a seat, and no longer does. */
  released: boolean;
  activeStreamers: number;
}

/**
 * The licence seats: one per active streamer GUID, refreshed by each check-in and freed by a check-out or by
 * the ttl passing without a check-in. Every operation first drops the expired seats, and check-in is atomic:
 * however many run at once, on however many gateways, no more than `cap` seats are ever held.
 */
export interface SeatStore {
  /** Refreshes the GUID's seat, or takes a new one while fewer than `cap` are held. */
  checkin(streamerGuid: string, cap: number): Promise<SeatCheckin>;
  checkout(streamerGuid: string): Promise<SeatCheckout>;
  /** The seats held now. */
  count(): Promise<number>;
}

export const SEAT_STORE = Symbol('SEAT_STORE');
export const InjectSeatStore = (): ParameterDecorator => Inject(SEAT_STORE);
