import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type CaptureKind, type MediaOptions, type MediaSession } from './media';
import { SyntheticMediaSession } from './synthetic/synthetic-session';
import { X11MediaSession } from './x11/x11-session';

export * from './media';
export { SyntheticMediaSession } from './synthetic/synthetic-session';
export { X11MediaSession } from './x11/x11-session';

/** Needed for x11 capture; xclip (clipboard) and pulseaudio (sound) are optional and degrade on their own. */
export const X11_TOOLS = ['Xvfb', 'ffmpeg', 'xdotool'] as const;

function onPath(tool: string, path: string): boolean {
  return path
    .split(delimiter)
    .filter((dir) => dir.length > 0)
    .some((dir) => {
      try {
        accessSync(join(dir, tool), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/** 'x11' when Xvfb, ffmpeg and xdotool are on PATH, else 'synthetic' with the missing tools named. */
export function detectCaptureKind(path = process.env.PATH ?? ''): { kind: CaptureKind; missing: string[] } {
  const missing = X11_TOOLS.filter((tool) => !onPath(tool, path));
  return { kind: missing.length === 0 ? 'x11' : 'synthetic', missing };
}

/** Starts one session's media; rejects (leaving nothing running) when the display or the application fails. */
export async function startMedia(kind: CaptureKind, options: MediaOptions): Promise<MediaSession> {
  switch (kind) {
    case 'x11':
      return X11MediaSession.start(options);
    case 'synthetic': {
      const session = new SyntheticMediaSession(options);
      session.start();
      return session;
    }
  }
}
