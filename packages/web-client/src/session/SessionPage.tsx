import { SESSION_ID_HEADER, sessionReleaseRoute } from '@webstream/contracts';
import { useEffect, useRef, useState } from 'react';
import { session } from '../api/http';
import { navigate } from '../shell/router';
import { ClipboardPanel } from './ClipboardPanel';
import { forgetLaunch } from './launch';
import { liveNotices, noticeText, statusText } from './notices';
import { type ConnectionView, type StreamConnection, type StreamEvents } from './stream-connection';
import { useFrameRenderer } from './useFrameRenderer';
import { useLaunchRecord } from './useLaunchRecord';
import { useRemoteResize } from './useRemoteResize';
import { useSessionClipboard } from './useSessionClipboard';
import { useSessionInput } from './useSessionInput';
import { useSessionNotices } from './useSessionNotices';
import { useSessionSound } from './useSessionSound';
import { useStreamConnection } from './useStreamConnection';
import './session.css';

const PHASE_LABELS: Record<ConnectionView['phase'], string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  ended: 'Ended',
  failed: 'Disconnected',
};

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

  const launch = useLaunchRecord(sessionId);
  const policy = launch?.policy;
  // The workspace's policy makes the page view only, or the session from the moment it says so.
  const [toldViewOnly, setToldViewOnly] = useState(false);
  const viewOnly = policy?.inputAllowed === false || toldViewOnly;
  const [statusVisible, setStatusVisible] = useState(true);
  const [ending, setEnding] = useState(false);

  const { notices, notify, dismiss, clearIdleWarning } = useSessionNotices();
  const { clipboardText, receiveClipboard, closeClipboard } = useSessionClipboard(policy);
  const display = useFrameRenderer(sessionId, canvasRef, connectionRef);
  const resize = useRemoteResize(sessionId, stageRef, connectionRef);
  const input = useSessionInput(
    sessionId,
    { canvas: canvasRef, toolbar: toolbarRef, keyboard: keyboardRef },
    connectionRef,
    {
      viewOnly,
      policy,
      remoteSize: resize.remoteSize,
      activity: clearIdleWarning,
      refused: (message) => notify({ kind: 'policy-refusal', message }),
    },
  );
  const sound = useSessionSound(sessionId, connectionRef, policy);

  const events: StreamEvents = {
    view: resize.connectionChanged,
    opened: resize.request,
    frame: (header, payload) => {
      resize.frameSized(header);
      display.frame(header, payload);
    },
    capture: (message) => {
      switch (message.type) {
        case 'resize':
          resize.resized(message);
          return;
        case 'cursor':
          display.cursor(message);
          return;
        case 'error':
          if (!resize.answeredWith(message)) notify({ kind: 'error', message: message.message });
          return;
      }
    },
    control: (message) => {
      switch (message.type) {
        case 'clipboard':
          receiveClipboard(message.data);
          return;
        case 'notice':
          if (message.kind === 'view-only') setToldViewOnly(true);
          notify({ kind: message.kind, message: message.message, secondsLeft: message.secondsLeft });
          return;
        case 'error':
          notify({ kind: 'error', message: message.message });
          return;
        case 'pong':
          return;
      }
    },
    latency: display.latency,
    audioFormat: sound.audioFormat,
    audioChunk: sound.audioChunk,
    audioClosed: sound.audioClosed,
  };
  // Called last: React cleans effects up in call order, and the input's cleanup still sends the release of held
  // keys on this connection.
  const view = useStreamConnection(sessionId, connectionRef, { launch, events, audio: sound.wanted });

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

  const { stats, now, hasFrame } = display;
  const over = view.phase === 'ended' || view.phase === 'failed';
  // Once the session is over, its dialog says why: notices (often the same error) would only repeat it.
  const visibleNotices = over ? [] : liveNotices(notices, now);
  const title = launch === undefined ? 'Session' : `${launch.appName} — ${launch.workspaceName}`;

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
            aria-pressed={sound.soundOn}
            disabled={!sound.soundAllowed}
            title={sound.soundAllowed ? undefined : 'Sound is turned off for this workspace'}
            onClick={sound.toggleSound}
          >
            Sound
          </button>
          <button
            type="button"
            onClick={input.showKeyboard}
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
          onInput={input.onSoftInput}
          onKeyDown={input.onSoftKeyDown}
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
              <button type="button" aria-label="Dismiss notice" onClick={() => dismiss(notice.id)}>
                ×
              </button>
            </p>
          ))}
          {sound.soundNote !== undefined && sound.soundOn && (
            <p className="session-notice notice-info">{sound.soundNote}</p>
          )}
        </div>

        {clipboardText !== undefined && <ClipboardPanel text={clipboardText} onClose={closeClipboard} />}

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
