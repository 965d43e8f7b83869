/** Main thread → decode worker: the encoded picture is bytes [offset, offset + length) of `buffer` (transferred). */
export interface DecodeRequest {
  id: number;
  buffer: ArrayBuffer;
  offset: number;
  length: number;
  mimeType: string;
}

/** Decode worker → main thread: the picture (transferred) or why it could not be decoded. */
export type DecodeReply = { id: number; bitmap: ImageBitmap } | { id: number; error: string };
