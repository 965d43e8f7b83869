import { type KeyMessage, type PointerMessage, type WheelMessage } from '@webstream/contracts';
import { Listeners } from '../listeners';
import { type InputSink, type MediaLogger } from '../media';
import { type SyntheticScene } from './scene';

const MAX_DIMENSION = 16_384;

/** Input into the synthetic scene: typed characters, the pointer and the wheel show up in the picture. */
export class SyntheticInput implements InputSink {
  private readonly clipboardListeners: Listeners<string>;
  /** The session's clipboard; nothing in the synthetic "application" copies, so onClipboard never fires. */
  clipboard = '';

  constructor(
    private readonly scene: SyntheticScene,
    logger: MediaLogger,
  ) {
    this.clipboardListeners = new Listeners(logger, 'clipboard');
  }

  key(message: KeyMessage): void {
    if (message.action !== 'down' || typeof message.key !== 'string') return;
    const { ctrl, alt, meta } = message.modifiers ?? { ctrl: false, alt: false, meta: false };
    // A shortcut (Ctrl+C) is not typing.
    if (ctrl || alt || meta) return;
    if (message.key === 'Backspace') this.scene.backspace();
    else if (message.key === 'Enter') this.scene.newline();
    else if (Array.from(message.key).length === 1 && !/\p{C}/u.test(message.key))
      this.scene.type(message.key);
  }

  pointer(message: PointerMessage): void {
    if (!Number.isFinite(message.x) || !Number.isFinite(message.y)) return;
    const buttons = Number.isInteger(message.buttons) ? message.buttons : 0;
    this.scene.movePointer(message.x, message.y, buttons);
  }

  wheel(message: WheelMessage): void {
    if (!Number.isFinite(message.deltaY) || message.deltaY === 0) return;
    this.scene.scrollBy(Math.sign(message.deltaY));
  }

  async setClipboard(text: string): Promise<void> {
    this.clipboard = text;
  }

  onClipboard(listener: (text: string) => void): void {
    this.clipboardListeners.add(listener);
  }

  async resize(width: number, height: number): Promise<boolean> {
    const valid = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= MAX_DIMENSION;
    if (!valid(width) || !valid(height)) return false;
    this.scene.resize(width, height);
    return true;
  }
}
