import { Inject, Optional } from '@nestjs/common';

/** Timing of the licence registry; the defaults are what production runs with. Not configuration: for tests. */
export interface LicenceOptions {
  /** How long a seat is held without a check-in; three check-in intervals (45 s) unless given. */
  seatTtlMs?: number;
  /**
   * The clock (ms) the licence's expiry and the in-memory seats are measured with; Date.now unless given.
   * Seats in Redis always use the Redis server's clock, so that gateways agree.
   */
  now?: () => number;
}

export const LICENCE_OPTIONS = Symbol('LICENCE_OPTIONS');
export const InjectLicenceOptions = (): ParameterDecorator => (target, key, index) => {
  Optional()(target, key, index);
  Inject(LICENCE_OPTIONS)(target, key, index);
};
