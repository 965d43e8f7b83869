import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { type WebstreamConfig } from '@webstream/config';
import { type CheckinOutcome } from '@webstream/contracts';
import {
  type LicenceKind,
  type LicencePayload,
  type LicenceVerification,
  verifyLicence,
} from '@webstream/licence';
import { InjectConfig, InjectMetrics } from '@webstream/service-kit';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { GatewayTelemetry } from '../telemetry/gateway-telemetry';
import { InjectLicenceOptions, type LicenceOptions } from './licence-options';
import { InjectSeatStore, type SeatStore } from './seat-store';

export type CheckinResult =
  | { outcome: 'licensed'; activeStreamers: number; licensedSessions: number }
  | { outcome: 'capacity-reached'; activeStreamers: number; licensedSessions: number }
  | { outcome: 'licence-invalid'; problem: string };

export interface CheckoutResult {
  /** The streamer held a seat and it is free now (false: it held none, e.g. its seat had expired). */
  success: boolean;
  activeStreamers: number;
}

/** The licence and its seats as an administrator sees them. */
export interface LicenceUsage {
  valid: boolean;
  licensee?: string;
  kind?: LicenceKind;
  maxStreamers?: number;
  expiresAt?: string;
  activeStreamers: number;
  /** Why the licence is not valid, for the operator. */
  problem?: string;
}

/** The operator's fix, after the verifier's finding. */
function problemOf(verdict: Exclude<LicenceVerification, { valid: true }>): string {
  switch (verdict.reason) {
    case 'missing':
      return `${verdict.message}: set gateway.licence.key`;
    case 'no-public-key':
      return `${verdict.message}: set gateway.licence.publicKey to the PEM public key the licence was signed for`;
    case 'malformed':
    case 'bad-signature':
    case 'expired':
      return verdict.message;
  }
}

/**
 * The licence registry: the signed licence (verified once at start, its expiry checked again on every
 * check-in) and the seats of the active streamers, at most the licence's maxStreamers at any moment.
 */
@Injectable()
export class LicenceRegistry implements OnModuleInit, OnModuleDestroy {
  private licence: LicenceVerification;
  private readonly reportEveryMs: number;
  private reportTimer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly checkins: Counter<'outcome'>;
  private readonly active: Gauge;
  private readonly capacity: Gauge;

  constructor(
    @InjectConfig() config: WebstreamConfig,
    @InjectSeatStore() private readonly seats: SeatStore,
    private readonly logger: PinoLogger,
    private readonly telemetry: GatewayTelemetry,
    @InjectMetrics() registry: Registry,
    @InjectLicenceOptions() options?: LicenceOptions,
  ) {
    this.logger.setContext(LicenceRegistry.name);
    this.now = options?.now ?? Date.now;
    this.reportEveryMs = config.gateway.backend.heartbeatInterval * 1000;
    this.licence = verifyLicence(config.gateway.licence.key, config.gateway.licence.publicKey, this.clock());
    this.checkins = new Counter({
      name: 'gateway_licence_checkins_total',
      help: 'Streamer licence check-ins by outcome (licensed, licence-invalid, capacity-reached)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    const store = this.seats;
    this.active = new Gauge({
      name: 'gateway_licence_active_streamers',
      help: 'Streamers holding a licence seat (shared by every gateway of the deployment)',
      registers: [registry],
      // Seats also expire between check-ins, so the figure is read at scrape time; a store that cannot be
      // read leaves the last figure rather than failing the whole scrape.
      async collect() {
        try {
          this.set(await store.count());
        } catch {
          // the last value stands
        }
      },
    });
    this.capacity = new Gauge({
      name: 'gateway_licence_capacity',
      help: 'Streamers the licence admits at once (0 without a valid licence)',
      registers: [registry],
    });
    this.capacity.set(this.licence.valid ? this.licence.payload.maxStreamers : 0);
  }

  onModuleInit(): void {
    // Seats in use over time, for the metrics engine's operations view: as often as hosts report their load.
    this.reportTimer = setInterval(() => void this.reportSeats(), this.reportEveryMs);
    this.reportTimer.unref();
    const licence = this.licence;
    if (licence.valid) {
      this.logger.info(
        { ...this.describe(licence.payload), valid: true },
        `licence valid: ${licence.payload.maxStreamers} streamers for ${licence.payload.licensee} until ${licence.payload.expiresAt}`,
      );
    } else {
      this.logger.warn(
        { valid: false, reason: licence.reason, ...(licence.payload ? this.describe(licence.payload) : {}) },
        `no valid licence, every streamer check-in will be refused (403): ${problemOf(licence)}`,
      );
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.reportTimer);
  }

  private async reportSeats(): Promise<void> {
    try {
      const licence = this.current();
      this.telemetry.licenceSeats(await this.seats.count(), licence.valid ? licence.payload.maxStreamers : 0);
    } catch (error) {
      this.logger.warn({ err: error }, 'could not count the licence seats to report them');
    }
  }

  async checkin(streamerGuid: string): Promise<CheckinResult> {
    const licence = this.current();
    if (!licence.valid) {
      this.count('licence-invalid');
      return { outcome: 'licence-invalid', problem: problemOf(licence) };
    }
    const licensedSessions = licence.payload.maxStreamers;
    const seat = await this.seats.checkin(streamerGuid, licensedSessions);
    this.active.set(seat.activeStreamers);
    if (!seat.admitted) {
      this.count('capacity-reached');
      this.logger.warn(
        { streamerGuid, activeStreamers: seat.activeStreamers, licensedSessions },
        'licence capacity reached: streamer refused',
      );
      return { outcome: 'capacity-reached', activeStreamers: seat.activeStreamers, licensedSessions };
    }
    this.count('licensed');
    return { outcome: 'licensed', activeStreamers: seat.activeStreamers, licensedSessions };
  }

  /** Frees the streamer's seat, whatever the licence's state. */
  async checkout(streamerGuid: string): Promise<CheckoutResult> {
    const seat = await this.seats.checkout(streamerGuid);
    this.active.set(seat.activeStreamers);
    return { success: seat.released, activeStreamers: seat.activeStreamers };
  }

  async usage(): Promise<LicenceUsage> {
    const licence = this.current();
    const activeStreamers = await this.seats.count();
    this.active.set(activeStreamers);
    if (licence.valid) return { valid: true, ...this.describe(licence.payload), activeStreamers };
    return {
      valid: false,
      ...(licence.payload ? this.describe(licence.payload) : {}),
      activeStreamers,
      problem: problemOf(licence),
    };
  }

  /** The licence verified at start, turned expired once its time has come. */
  private current(): LicenceVerification {
    const licence = this.licence;
    if (licence.valid && Date.parse(licence.payload.expiresAt) <= this.now()) {
      this.licence = {
        valid: false,
        reason: 'expired',
        message: `the licence of ${licence.payload.licensee} expired at ${licence.payload.expiresAt}`,
        payload: licence.payload,
      };
      this.capacity.set(0);
      this.logger.warn(
        { ...this.describe(licence.payload), valid: false, reason: 'expired' },
        'the licence has expired: every streamer check-in is refused (403) from now on',
      );
    }
    return this.licence;
  }

  private describe(payload: LicencePayload): Omit<LicenceUsage, 'valid' | 'activeStreamers' | 'problem'> {
    return {
      licensee: payload.licensee,
      kind: payload.kind,
      maxStreamers: payload.maxStreamers,
      expiresAt: payload.expiresAt,
    };
  }

  private clock(): Date {
    return new Date(this.now());
  }

  private count(outcome: CheckinOutcome): void {
    this.checkins.inc({ outcome });
  }
}
