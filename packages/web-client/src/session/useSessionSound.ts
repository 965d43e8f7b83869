import { type AudioFormatMessage, type WorkspacePolicy } from '@webstream/contracts';
import { type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import { AudioPlayer } from './audio-player';
import { type CloseOutcome } from './close-reasons';
import { type StreamConnection } from './stream-connection';

/**
 * The session's sound, off until the user turns it on (browsers start sound only from a click): an AudioPlayer
 * for /audio's chunks while it is on, the connection told to open or close /audio, and a note when the sound
 * cannot be played or its socket closed.
 */
export function useSessionSound(
  sessionId: string,
  connectionRef: RefObject<StreamConnection | undefined>,
  policy: WorkspacePolicy | undefined,
) {
  const playerRef = useRef<AudioPlayer | undefined>(undefined);
  // The stream's format arrives once per /audio socket, possibly before the user turns the sound on.
  const formatRef = useRef<AudioFormatMessage | undefined>(undefined);
  const onRef = useRef(false);
  const policyRef = useRef(policy);
  policyRef.current = policy;
  const [soundOn, setSoundOn] = useState(false);
  const [soundNote, setSoundNote] = useState<string | undefined>();

  // A player plays one session's /audio: it goes with the session's connection.
  useEffect(
    () => () => {
      playerRef.current?.close();
      playerRef.current = undefined;
    },
    [sessionId],
  );

  const toggleSound = (): void => {
    if (soundOn) {
      playerRef.current?.close();
      playerRef.current = undefined;
      onRef.current = false;
      connectionRef.current?.setAudio(false);
      setSoundOn(false);
      return;
    }
    try {
      const player = new AudioPlayer();
      if (formatRef.current !== undefined) player.setFormat(formatRef.current);
      playerRef.current = player;
      onRef.current = true;
      connectionRef.current?.setAudio(true);
      setSoundOn(true);
    } catch (error) {
      setSoundNote(error instanceof Error ? error.message : 'Sound cannot be played here.');
    }
  };

  const handlers = useMemo(
    () => ({
      /** Whether /audio should be open: the user turned the sound on and the workspace allows it. */
      wanted: (): boolean => onRef.current && policyRef.current?.audio !== false,
      audioFormat: (format: AudioFormatMessage): void => {
        formatRef.current = format;
        playerRef.current?.setFormat(format);
        setSoundNote(
          playerRef.current?.playable === false
            ? `This browser cannot play ${format.codec} sound.`
            : undefined,
        );
      },
      audioChunk: (payload: Uint8Array): void => playerRef.current?.push(payload),
      audioClosed: (outcome: CloseOutcome): void => {
        setSoundNote(outcome.detail ? `${outcome.message} (${outcome.detail})` : outcome.message);
      },
    }),
    [],
  );

  return { soundOn, soundNote, soundAllowed: policy?.audio !== false, toggleSound, ...handlers };
}
