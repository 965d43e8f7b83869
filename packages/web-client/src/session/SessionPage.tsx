import {
  type AudioCodec,
  type AudioFormatMessage,
  myWorkspacesRoute,
  SESSION_ID_HEADER,
  sessionReleaseRoute,
  sessionStatusRoute,
  type VideoCodec,
  type WorkspacePolicy,
} from '@webstream/contracts';
import { type FormEvent, type KeyboardEvent as ReactKeyboardEvent, useEffect, useRef, useState } from 'react';
import { session } from '../api/http';
import { navigate } from '../shell/router';
import { AudioPlayer, canDecodeOpus } from './audio-player';
import { FrameRenderer } from './frame-renderer';
import { canDecodeH264 } from './h264-decoder';
import { resizeRequestSize, type Size } from './geometry';
import { InputController } from './input';
import { forgetLaunch, type LaunchRecord, launchRecordFor, loadLaunch, saveLaunch } from './launch';
import { addNotice, liveNotices, type Notice, noticeText, statusText } from './notices';
import { type ConnectionView, StreamConnection } from './stream-connection';
import './session.css';

const RESIZE_DEBOUNCE_MS = 300;

const PHASE_LABELS: Record<ConnectionView['phase'], string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  ended: 'Ended',
  failed: 'Disconnected',
};

interface Stats {
  fps: number;
  rttMs: number | undefined;
  frameAgeMs: number | undefined;
  codec: string | undefined;
  kbps: number;
  decodeMs: number | undefined;
}

/**
 * The remote display, full window: frames on a canvas, the user's keyboard, pointer, wheel, touch and paste
 * sent back, sound on request, a status line, the session's notices, and reconnecting when a socket drops.
 */
export function SessionPage(props: { sessionId: string }) {
  const { sessionId } = props;
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const stageRef = useRef<HTMLDivElement>(null);
  const toolbarRef = useRef<HTMLElement>(null);
  const keyboardRef = useRef<HTMLInputElement>(null);
  const connectionRef = useRef<StreamConnection | undefined>(undefined);
  const inputRef = useRef<InputController | undefined>(undefined);
  const playerRef = useRef<AudioPlayer | undefined>(undefined);
  const audioFormatRef = useRef<AudioFormatMessage | undefined>(undefined);
  const launchRef = useRef<LaunchRecord | undefined>(undefined);
  const viewOnlyRef = useRef(false);
  const noticesRef = useRef<Notice[]>([]);

  const [launch, setLaunch] = useState<LaunchRecord | undefined>(() => loadLaunch(sessionStorage, sessionId));
  const [view, setView] = useState<ConnectionView>({ phase: 'connecting' });
  const [stats, setStats] = useState<Stats>({
    fps: 0,
    rttMs: undefined,
    frameAgeMs: undefined,
    codec: undefined,
    kbps: 0,
    decodeMs: undefined,
  });
  const [now, setNow] = useState(() => Date.now());
  const [notices, setNotices] = useState<Notice[]>([]);
  const [viewOnly, setViewOnly] = useState(launch?.policy.inputAllowed === false);
  const [soundOn, setSoundOn] = useState(false);
  const soundOnRef = useRef(false);
  const [soundNote, setSoundNote] = useState<string | undefined>();
  const [statusVisible, setStatusVisible] = useState(true);
  const [clipboardText, setClipboardText] = useState<string | undefined>();
  const [hasFrame, setHasFrame] = useState(false);
  const [ending, setEnding] = useState(false);

  launchRef.current = launch;
  viewOnlyRef.current = viewOnly;
  noticesRef.current = notices;
  const policy: WorkspacePolicy | undefined = launch?.policy;

  const notify = (
    notice: Omit<Notice, 'id' | 'expires' | 'deadline'> & { secondsLeft?: number | undefined },
  ) => {
    setNotices((current) => addNotice(current, { ...notice, id: nextNoticeId() }, Date.now()));
  };
  const notifyRef = useRef(notify);
  notifyRef.current = notify;

  // Without a launch record (the page was opened from a link or another tab), find the session's workspace.
  useEffect(() => {
    if (launch !== undefined) return;
    const controller = new AbortController();
    void findLaunch(sessionId, controller.signal).then((found) => {
      if (found === undefined || controller.signal.aborted) return;
      saveLaunch(sessionStorage, sessionId, found);
      setLaunch(found);
      if (!found.policy.inputAllowed) setViewOnly(true);
    });
    return () => controller.abort();
  }, [launch, sessionId]);

  useEffect(() => {
    const canvas = canvasRef.current;
    const stage = stageRef.current;
    if (canvas === null || stage === null) return;
    let remote: Size | undefined;
    let lastRequested: Size | undefined;
    let resizeRefused = false;
    let resizePending = false;
    let rtt: number | undefined;
    let resizeTimer: ReturnType<typeof setTimeout> | undefined;

    let codecs: readonly VideoCodec[] = ['jpeg'];
    let audioCodecs: readonly AudioCodec[] = ['pcm-s16le'];
    const renderer = new FrameRenderer(canvas, {
      requestKeyframe: () => connection.sendCapture({ type: 'keyframe-request' }),
      acknowledge: (seq) => connection.sendCapture({ type: 'frame-ack', seq }),
    });

    const requestResize = (): void => {
      if (resizeRefused) return;
      const box = stage.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) return;
      const size = resizeRequestSize(box, window.devicePixelRatio);
      if (remote !== undefined && remote.width === size.width && remote.height === size.height) return;
      if (
        lastRequested !== undefined &&
        lastRequested.width === size.width &&
        lastRequested.height === size.height
      ) {
        return;
      }
      if (connection.sendCapture({ type: 'resize-request', ...size })) {
        lastRequested = size;
        resizePending = true;
      }
    };

    const connection = new StreamConnection(
      sessionId,
      () => launchRef.current,
      {
        view: (next) => {
          setView(next);
          if (next.phase !== 'connected') lastRequested = undefined;
        },
        opened: () => {
          requestResize();
        },
        frame: (header, payload) => {
          remote = { width: header.width, height: header.height };
          renderer.push(header, payload);
        },
        capture: (message) => {
          switch (message.type) {
            case 'resize':
              remote = { width: message.width, height: message.height };
              resizePending = false;
              return;
            case 'cursor':
              canvas.style.cursor = message.visible ? (message.shape ?? 'default') : 'default';
              return;
            case 'error':
              if (resizePending) {
                // The session cannot change its display size: the picture is scaled instead.
                resizePending = false;
                resizeRefused = message.code === 'policy-refusal';
                return;
              }
              notifyRef.current({ kind: 'error', message: message.message });
              return;
          }
        },
        control: (message) => {
          switch (message.type) {
            case 'clipboard':
              receiveClipboard(message.data);
              return;
            case 'notice':
              if (message.kind === 'view-only') setViewOnly(true);
              notifyRef.current({
                kind: message.kind,
                message: message.message,
                secondsLeft: message.secondsLeft,
              });
              return;
            case 'error':
              notifyRef.current({ kind: 'error', message: message.message });
              return;
            case 'pong':
              return;
          }
        },
        latency: (ms) => {
          rtt = ms;
        },
        audioFormat: (format) => {
          audioFormatRef.current = format;
          playerRef.current?.setFormat(format);
          setSoundNote(
            playerRef.current?.playable === false
              ? `This browser cannot play ${format.codec} sound.`
              : undefined,
          );
        },
        audioChunk: (payload) => playerRef.current?.push(payload),
        audioClosed: (outcome) => {
          setSoundNote(outcome.detail ? `${outcome.message} (${outcome.detail})` : outcome.message);
        },
      },
      {
        audio: () => soundOnRef.current && launchRef.current?.policy.audio !== false,
        codecs: () => codecs,
        audioCodecs: () => audioCodecs,
      },
    );

    const receiveClipboard = (text: string): void => {
      if (launchRef.current?.policy.clipboard.outbound === false) return;
      const write = navigator.clipboard?.writeText?.bind(navigator.clipboard);
      if (write === undefined) {
        setClipboardText(text);
        return;
      }
      write(text).then(
        () => setClipboardText(undefined),
        () => setClipboardText(text),
      );
    };

    const input = new InputController(canvas, {
      send: (message) => connection.sendControl(message),
      backlog: () => connection.controlBacklog,
      remoteSize: () => remote,
      inputAllowed: () => !viewOnlyRef.current,
      clipboardInbound: () => {
        const clipboard = launchRef.current?.policy.clipboard;
        return { allowed: clipboard?.inbound !== false, maxBytes: clipboard?.maxBytes ?? 16 * 1024 * 1024 };
      },
      release: () => toolbarRef.current?.focus(),
      activity: () => {
        if (noticesRef.current.some((notice) => notice.kind === 'idle-warning')) {
          setNotices((current) => current.filter((notice) => notice.kind !== 'idle-warning'));
        }
      },
      notify: (message) => notifyRef.current({ kind: 'policy-refusal', message }),
    });

    connectionRef.current = connection;
    inputRef.current = input;
    let disposed = false;
    // WebCodecs answers asynchronously; the capture socket says what this browser decodes when it opens.
    void Promise.all([canDecodeH264(), canDecodeOpus()]).then(([h264, opus]) => {
      codecs = h264 ? ['h264', 'jpeg'] : ['jpeg'];
      audioCodecs = opus ? ['opus', 'pcm-s16le'] : ['pcm-s16le'];
      if (!disposed) connection.start();
    });
    canvas.focus({ preventScroll: true });

    const tick = setInterval(() => {
      const rendered = renderer.stats();
      setStats({
        fps: rendered.fps,
        rttMs: rtt,
        frameAgeMs: rendered.frameAgeMs,
        codec: rendered.codec,
        kbps: rendered.kbps,
        decodeMs: rendered.decodeMs,
      });
      setNow(Date.now());
      if (renderer.framesDrawn > 0) setHasFrame(true);
    }, 1000);

    const observer = new ResizeObserver(() => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(requestResize, RESIZE_DEBOUNCE_MS);
    });
    observer.observe(stage);

    return () => {
      disposed = true;
      clearInterval(tick);
      clearTimeout(resizeTimer);
      observer.disconnect();
      input.dispose();
      connection.dispose();
      renderer.dispose();
      playerRef.current?.close();
      playerRef.current = undefined;
      connectionRef.current = undefined;
      inputRef.current = undefined;
    };
  }, [sessionId]);

  // The first picture shows up without waiting for the next stats tick.
  useEffect(() => {
    if (hasFrame) return;
    const canvas = canvasRef.current;
    if (canvas === null) return;
    const observer = new MutationObserver(() => {
      if (canvas.dataset['frames'] !== undefined) setHasFrame(true);
    });
    observer.observe(canvas, { attributes: true, attributeFilter: ['data-frames'] });
    return () => observer.disconnect();
  }, [hasFrame]);

  const toggleSound = (): void => {
    if (soundOn) {
      playerRef.current?.close();
      playerRef.current = undefined;
      soundOnRef.current = false;
      connectionRef.current?.setAudio(false);
      setSoundOn(false);
      return;
    }
    try {
      const player = new AudioPlayer();
      if (audioFormatRef.current !== undefined) player.setFormat(audioFormatRef.current);
      playerRef.current = player;
      soundOnRef.current = true;
      connectionRef.current?.setAudio(true);
      setSoundOn(true);
    } catch (error) {
      setSoundNote(error instanceof Error ? error.message : 'Sound cannot be played here.');
    }
  };

  const endSession = async (): Promise<void> => {
    setEnding(true);
    connectionRef.current?.dispose();
    try {
      await session.call(sessionReleaseRoute, {
        body: { sessionId },
        headers: { [SESSION_ID_HEADER]: sessionId },
      });
    } catch {
      // The gateway frees the slot by itself once the session's sockets are gone.
    }
    backToWorkspaces();
  };

  const backToWorkspaces = (): void => {
    forgetLaunch(sessionStorage, sessionId);
    navigate('/');
  };

  const toggleFullscreen = (): void => {
    if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
    else void document.documentElement.requestFullscreen?.().catch(() => undefined);
  };

  const showKeyboard = (): void => {
    keyboardRef.current?.focus();
  };

  const onSoftInput = (event: FormEvent<HTMLInputElement>): void => {
    const field = event.currentTarget;
    const native = event.nativeEvent as InputEvent;
    if (native.inputType === 'deleteContentBackward') inputRef.current?.typeKey('Backspace');
    else if (native.inputType === 'insertLineBreak') inputRef.current?.typeKey('Enter');
    else if (field.value !== '') inputRef.current?.typeText(field.value);
    field.value = '';
  };

  const onSoftKeyDown = (event: ReactKeyboardEvent<HTMLInputElement>): void => {
    if (
      event.key === 'Enter' ||
      event.key === 'Backspace' ||
      event.key === 'Tab' ||
      event.key.startsWith('Arrow')
    ) {
      event.preventDefault();
      inputRef.current?.typeKey(event.key);
    }
  };

  const over = view.phase === 'ended' || view.phase === 'failed';
  // Once the session is over, its dialog says why: notices (often the same error) would only repeat it.
  const visibleNotices = over ? [] : liveNotices(notices, now);
  const title = launch === undefined ? 'Session' : `${launch.appName} — ${launch.workspaceName}`;
  const soundAllowed = policy?.audio !== false;

  return (
    <div className="session-page">
      <header className="session-toolbar" ref={toolbarRef} tabIndex={-1} aria-label="Session toolbar">
        <span className="session-title">{title}</span>
        {viewOnly && <span className="session-badge">View only</span>}
        {statusVisible && (
          <span className="session-status" role="status" aria-live="off" aria-label="Connection status">
            {statusText({ ...stats, state: PHASE_LABELS[view.phase] })}
          </span>
        )}
        <span className="session-hint" id="session-keyboard-hint">
          Click the display to type. Hold Esc for 1 second to leave it.
        </span>
        <div className="session-actions">
          <button
            type="button"
            aria-pressed={soundOn}
            disabled={!soundAllowed}
            title={soundAllowed ? undefined : 'Sound is turned off for this workspace'}
            onClick={toggleSound}
          >
            Sound
          </button>
          <button
            type="button"
            onClick={showKeyboard}
            disabled={viewOnly}
            className="session-keyboard-button"
          >
            Keyboard
          </button>
          <button type="button" onClick={toggleFullscreen}>
            Full screen
          </button>
          <button type="button" aria-pressed={statusVisible} onClick={() => setStatusVisible(!statusVisible)}>
            Status
          </button>
          <button type="button" className="danger" disabled={ending} onClick={() => void endSession()}>
            End session
          </button>
        </div>
      </header>

      <div className="session-stage" ref={stageRef}>
        <canvas
          ref={canvasRef}
          className="session-canvas"
          tabIndex={0}
          role="application"
          aria-label="Remote display"
          aria-describedby="session-keyboard-hint"
          aria-busy={!hasFrame}
        />
        <input
          ref={keyboardRef}
          className="session-soft-keyboard"
          aria-label="On-screen keyboard input"
          autoCapitalize="off"
          autoComplete="off"
          autoCorrect="off"
          spellCheck={false}
          onInput={onSoftInput}
          onKeyDown={onSoftKeyDown}
        />

        {!over && (view.phase !== 'connected' || !hasFrame) && (
          <div className="session-overlay" aria-live="polite">
            <p className="session-overlay-title">
              {view.phase === 'reconnecting'
                ? 'Reconnecting…'
                : view.phase === 'connected'
                  ? 'Waiting for the picture…'
                  : 'Connecting…'}
            </p>
            {view.message !== undefined && view.message !== 'Reconnecting…' && <p>{view.message}</p>}
          </div>
        )}

        <div className="session-notices" role="log" aria-live="polite" aria-label="Session notices">
          {visibleNotices.map((notice) => (
            <p key={notice.id} className={`session-notice notice-${notice.kind}`}>
              <span>{noticeText(notice, now)}</span>
              <button
                type="button"
                aria-label="Dismiss notice"
                onClick={() => setNotices((current) => current.filter((other) => other.id !== notice.id))}
              >
                ×
              </button>
            </p>
          ))}
          {soundNote !== undefined && soundOn && <p className="session-notice notice-info">{soundNote}</p>}
        </div>

        {clipboardText !== undefined && (
          <ClipboardPanel text={clipboardText} onClose={() => setClipboardText(undefined)} />
        )}

        {over && (
          <div className="session-dialog-backdrop">
            <div
              className="session-dialog card"
              role="alertdialog"
              aria-modal="true"
              aria-labelledby="session-dialog-title"
              aria-describedby="session-dialog-message"
            >
              <h2 id="session-dialog-title">
                {view.phase === 'ended' ? 'The session has ended' : 'Disconnected'}
              </h2>
              <p id="session-dialog-message">{view.message ?? 'The session has ended.'}</p>
              {view.detail !== undefined && <p className="hint">{view.detail}</p>}
              <div className="session-dialog-actions">
                {view.phase === 'failed' && (
                  <button type="button" onClick={() => connectionRef.current?.retry()}>
                    Try again
                  </button>
                )}
                <DialogButton onClick={backToWorkspaces}>Back to workspaces</DialogButton>
              </div>
            </div>
          </div>
        )}
      </div>
    </div>
  );
}

function DialogButton(props: { onClick: () => void; children: string }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <button type="button" className="primary" ref={ref} onClick={props.onClick}>
      {props.children}
    </button>
  );
}

/** Text the session copied that the browser would not put on the clipboard by itself (no focus or permission). */
function ClipboardPanel(props: { text: string; onClose: () => void }) {
  const [copied, setCopied] = useState(false);
  const areaRef = useRef<HTMLTextAreaElement>(null);
  const copy = (): void => {
    const done = (): void => setCopied(true);
    if (navigator.clipboard?.writeText) {
      navigator.clipboard.writeText(props.text).then(done, () => {
        areaRef.current?.select();
      });
    } else {
      areaRef.current?.select();
    }
  };
  return (
    <section className="session-clipboard card" aria-label="Copied from the session">
      <h2>Copied from the session</h2>
      <textarea ref={areaRef} readOnly value={props.text} rows={3} aria-label="Copied text" />
      <div className="session-dialog-actions">
        <button type="button" className="primary" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </section>
  );
}

let noticeCounter = 0;
function nextNoticeId(): number {
  noticeCounter += 1;
  return noticeCounter;
}

/** The launch record of a session this tab did not start: its workspace and application from the IAM. */
async function findLaunch(sessionId: string, signal: AbortSignal): Promise<LaunchRecord | undefined> {
  try {
    const status = await session.call(
      sessionStatusRoute,
      { headers: { [SESSION_ID_HEADER]: sessionId } },
      { signal },
    );
    if (status.workspaceId === undefined || status.appId === undefined) return undefined;
    const answer = await session.call(myWorkspacesRoute, {}, { signal });
    const workspace = answer.items.find((item) => item.id === status.workspaceId);
    return workspace === undefined ? undefined : launchRecordFor(workspace, status.appId);
  } catch {
    return undefined;
  }
}
