import { Listeners } from './listeners';
import { type MediaLogger } from './media';

/** Listeners of a stream that runs only while there are some: the first starts it, the last to leave stops it. */
export class ListenedStream<T> {
  private readonly listeners: Listeners<T>;

  constructor(
    what: string,
    logger: MediaLogger,
    private readonly start: () => void,
    private readonly stop: () => void,
  ) {
    this.listeners = new Listeners(logger, what);
  }

  /** Returns the way out (idempotent). */
  add(listener: (value: T) => void): () => void {
    // Its own function, so the same listener added twice leaves twice.
    const own = (value: T): void => listener(value);
    this.listeners.add(own);
    if (this.listeners.size === 1) this.start();
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.listeners.remove(own);
      if (this.listeners.size === 0) this.stop();
    };
  }

  emit(value: T): void {
    this.listeners.emit(value);
  }
}
