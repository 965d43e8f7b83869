import { type AudioFormat } from './media';

/** Both sources deliver CD-like PCM at WebAudio's usual rate, so the browser plays it without resampling. */
export const PCM_FORMAT: AudioFormat = { codec: 'pcm-s16le', sampleRate: 48_000, channels: 2 };
/** Opus always decodes at 48 kHz. */
export const OPUS_FORMAT: AudioFormat = { codec: 'opus', sampleRate: 48_000, channels: 2 };
export const BYTES_PER_FRAME = 4; // s16le × 2 channels
export const CHUNK_MS = 20;
export const CHUNK_FRAMES = (PCM_FORMAT.sampleRate * CHUNK_MS) / 1000;
export const CHUNK_BYTES = CHUNK_FRAMES * BYTES_PER_FRAME;
