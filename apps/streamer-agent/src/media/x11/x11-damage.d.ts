// The part of the `x11` package (pure JavaScript, no types of its own) that ScreenDamage uses.
declare module 'x11' {
  import { type EventEmitter } from 'node:events';

  interface DamageExtension {
    ReportLevel: { NonEmpty: number };
    Create(damage: number, drawable: number, reportLevel: number): void;
    Subtract(damage: number, repair: number, parts: number): void;
  }

  interface XEvent {
    name?: string;
  }

  interface XClient extends EventEmitter {
    AllocID(): number;
    require(
      extension: 'damage',
      callback: (error: Error | null | undefined, extension: DamageExtension) => void,
    ): void;
    terminate(): void;
    on(event: 'event', listener: (event: XEvent) => void): this;
    on(event: 'error' | 'end' | 'close', listener: (error?: Error) => void): this;
  }

  interface XDisplay {
    client: XClient;
    screen: { root: number }[];
  }

  interface ClientOptions {
    display: string;
    /** The cookie, instead of reading XAUTHORITY. */
    auth?: { name: string; data: string };
  }

  export function createClient(
    options: ClientOptions,
    callback: (error: Error | null | undefined, display: XDisplay) => void,
  ): XClient;
}
