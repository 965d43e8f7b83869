import { type AudioCodec, type VideoCodec } from '@webstream/contracts';
import { type RefObject, useEffect, useRef, useState } from 'react';
import { canDecodeOpus } from './audio-player';
import { canDecodeH264 } from './h264-decoder';
import { type LaunchRecord } from './launch';
import { type ConnectionView, type StreamEvents, StreamConnection } from './stream-connection';

export interface StreamConnectionOptions {
  /** Selects the session again when a reconnect finds the gateway has forgotten it. */
  launch: LaunchRecord | undefined;
  events: StreamEvents;
  /** Whether /audio should be open. */
  audio: () => boolean;
}

/**
 * The session's StreamConnection (its sockets, pings and reconnecting) in `connectionRef` while the page shows
 * the session. It starts once the browser has said which codecs it decodes, its events go to the handlers of
 * the latest render, and its view (connecting, connected, reconnecting, ended, failed) is returned.
 */
export function useStreamConnection(
  sessionId: string,
  connectionRef: RefObject<StreamConnection | undefined>,
  options: StreamConnectionOptions,
): ConnectionView {
  const [view, setView] = useState<ConnectionView>({ phase: 'connecting' });
  const optionsRef = useRef(options);
  optionsRef.current = options;

  useEffect(() => {
    const events = (): StreamEvents => optionsRef.current.events;
    let codecs: readonly VideoCodec[] = ['jpeg'];
    let audioCodecs: readonly AudioCodec[] = ['pcm-s16le'];
    const connection = new StreamConnection(
      sessionId,
      () => optionsRef.current.launch,
      {
        view: (next) => {
          setView(next);
          events().view(next);
        },
        opened: () => events().opened(),
        frame: (header, payload) => events().frame(header, payload),
        capture: (message) => events().capture(message),
        control: (message) => events().control(message),
        latency: (ms) => events().latency(ms),
        audioFormat: (format) => events().audioFormat(format),
        audioChunk: (payload) => events().audioChunk(payload),
        audioClosed: (outcome) => events().audioClosed(outcome),
      },
      {
        audio: () => optionsRef.current.audio(),
        codecs: () => codecs,
        audioCodecs: () => audioCodecs,
      },
    );
    connectionRef.current = connection;

    let disposed = false;
    // WebCodecs answers asynchronously; the capture socket says what this browser decodes when it opens.
    void Promise.all([canDecodeH264(), canDecodeOpus()]).then(([h264, opus]) => {
      codecs = h264 ? ['h264', 'jpeg'] : ['jpeg'];
      audioCodecs = opus ? ['opus', 'pcm-s16le'] : ['pcm-s16le'];
      if (!disposed) connection.start();
    });

    return () => {
      disposed = true;
      connection.dispose();
      connectionRef.current = undefined;
    };
  }, [sessionId, connectionRef]);

  return view;
}
