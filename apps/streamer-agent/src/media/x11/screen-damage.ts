import { createClient, type XClient } from 'x11';
import { Listeners } from '../listeners';
import { type MediaLogger } from '../media';

/** Re-arming at most this often bounds the notifications of a busy screen to ~60 a second. */
const REARM_MS = 16;

/** What a capture needs to know of the screen: when it last changed, and each change as it happens. */
export interface ScreenActivity {
  /** Date.now() of the last change; Infinity where changes cannot be watched (always treated as changing). */
  readonly lastChangeAt: number;
  onChange(listener: () => void): void;
  /** Stops watching; from then on the screen counts as always changing. */
  close(): void;
}

/**
 * The X DAMAGE extension on the session's root window: the X server says when anything was drawn, so capture can
 * stop on a still screen and start again at the first change. The streamer connects with the display's cookie,
 * not XAUTHORITY, and reports level NonEmpty (one notification until re-armed), so a busy screen costs a few
 * dozen small events a second.
 */
export class ScreenDamage implements ScreenActivity {
  private client: XClient | undefined;
  private readonly listeners: Listeners<void>;
  private changedAt = Date.now();
  private watching = false;
  private closed = false;

  private constructor(private readonly logger: MediaLogger) {
    this.listeners = new Listeners(logger, 'screen-damage');
  }

  get lastChangeAt(): number {
    return this.watching ? this.changedAt : Infinity;
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Never fails: where DAMAGE cannot be used the screen counts as always changing (capture as before). */
  static async watch(display: string, cookie: Buffer, logger: MediaLogger): Promise<ScreenDamage> {
    const damage = new ScreenDamage(logger);
    try {
      await damage.connect(display, cookie);
    } catch (error: unknown) {
      logger.warn(
        { err: error instanceof Error ? error.message : String(error), display },
        'screen changes cannot be watched (X DAMAGE); capture runs on a still screen too',
      );
      damage.close();
    }
    return damage;
  }

  close(): void {
    const wasWatching = this.watching;
    this.closed = true;
    this.watching = false;
    this.client?.terminate();
    this.client = undefined;
    // From now on the screen counts as always changing: a paused capture must hear it and go on.
    if (wasWatching) this.listeners.emit();
  }

  private connect(display: string, cookie: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const client = createClient(
        { display, auth: { name: 'MIT-MAGIC-COOKIE-1', data: cookie.toString('latin1') } },
        (error, connected) => {
          if (error) return reject(error);
          const root = connected.screen[0]?.root;
          if (root === undefined) return reject(new Error('the display has no screen'));
          client.require('damage', (extensionError, ext) => {
            if (extensionError) return reject(extensionError);
            if (this.closed) return resolve();
            const id = client.AllocID();
            ext.Create(id, root, ext.ReportLevel.NonEmpty);
            let rearm: NodeJS.Timeout | undefined;
            client.on('event', (event) => {
              if (event.name !== 'DamageNotify') return;
              this.changedAt = Date.now();
              this.listeners.emit();
              rearm ??= setTimeout(() => {
                rearm = undefined;
                if (!this.closed) ext.Subtract(id, 0, 0);
              }, REARM_MS);
            });
            this.watching = true;
            resolve();
          });
        },
      );
      this.client = client;
      client.on('error', (error) => {
        if (!this.watching) return reject(error ?? new Error('the X connection failed'));
        this.logger.warn({ err: error?.message }, 'the X DAMAGE connection failed; capture no longer pauses');
        this.close();
      });
      client.on('end', () => {
        if (this.watching && !this.closed) this.close();
      });
    });
  }
}

/**
 * The watermark's clock changes the picture every second while the screen is still: each tick counts as a
 * change, so a watermarked session shows the time, at the cost of a few frames a second.
 */
export class ClockTicks implements ScreenActivity {
  private readonly listeners: Listeners<void>;
  private tickedAt = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    /** Closed with this. */
    private readonly screen: ScreenActivity,
    everyMs: number,
    logger: MediaLogger,
  ) {
    this.listeners = new Listeners(logger, 'clock-ticks');
    screen.onChange(() => this.listeners.emit());
    this.timer = setInterval(() => {
      this.tickedAt = Date.now();
      this.listeners.emit();
    }, everyMs);
    this.timer.unref();
  }

  get lastChangeAt(): number {
    return Math.max(this.tickedAt, this.screen.lastChangeAt);
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  close(): void {
    clearInterval(this.timer);
    this.screen.close();
  }
}
