import { type KeyMessage, type PointerMessage, type WheelMessage } from '@webstream/contracts';
import { debugLog } from '../debug-log';
import { type InputSink, type MediaLogger } from '../media';
import { keyCommand, pointerCommands, WheelAccumulator, type DisplaySize } from './xdotool-commands';
import { type X11Clipboard } from './x11-clipboard';
import { type XdotoolProcess } from './xdotool-process';

/**
 * Input into the X display. Without a window manager keyboard focus follows the pointer, so a client must move the
 * pointer over the application before typing (the session starts with the pointer at the screen centre).
 * Messages are typed by the contracts, but everything is re-checked here: a malformed one is dropped, never thrown.
 */
export class X11Input implements InputSink {
  private readonly wheelClicks = new WheelAccumulator();

  constructor(
    private readonly xdotool: XdotoolProcess,
    private readonly clipboard: X11Clipboard,
    private readonly size: () => DisplaySize,
    private readonly resizeDisplay: (width: number, height: number) => Promise<boolean>,
    private readonly logger: MediaLogger,
  ) {}

  key(message: KeyMessage): void {
    this.guard('key', () => {
      const command = keyCommand(message);
      if (command === undefined) {
        debugLog(this.logger, { code: String(message.code).slice(0, 64) }, 'ignoring an unknown key');
        return;
      }
      this.xdotool.send([command]);
    });
  }

  pointer(message: PointerMessage): void {
    this.guard('pointer', () => {
      this.xdotool.send(pointerCommands(message, this.size()), message.action === 'move');
    });
  }

  wheel(message: WheelMessage): void {
    this.guard('wheel', () => this.xdotool.send(this.wheelClicks.commands(message, this.size())));
  }

  setClipboard(text: string): Promise<void> {
    return this.clipboard.set(text);
  }

  onClipboard(listener: (text: string) => void): void {
    this.clipboard.onChange(listener);
  }

  resize(width: number, height: number): Promise<boolean> {
    return this.resizeDisplay(width, height);
  }

  private guard(what: string, action: () => void): void {
    try {
      action();
    } catch (error: unknown) {
      debugLog(this.logger, { input: what, err: String(error) }, 'dropping a malformed input message');
    }
  }
}
