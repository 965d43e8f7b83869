import { type MediaLogger } from './media';

/** A listener list whose failures are logged: one broken consumer must not stop a capture or audio pipeline. */
export class Listeners<T> {
  private readonly listeners: ((value: T) => void)[] = [];

  constructor(
    private readonly logger: MediaLogger,
    private readonly what: string,
  ) {}

  add(listener: (value: T) => void): void {
    this.listeners.push(listener);
  }

  /** Takes one listener out (the first added, when it was added twice). */
  remove(listener: (value: T) => void): void {
    const index = this.listeners.indexOf(listener);
    if (index !== -1) this.listeners.splice(index, 1);
  }

  get size(): number {
    return this.listeners.length;
  }

  emit(value: T): void {
    for (const listener of this.listeners) {
      try {
        listener(value);
      } catch (error: unknown) {
        this.logger.error({ err: error, listener: this.what }, 'a media listener threw');
      }
    }
  }
}
