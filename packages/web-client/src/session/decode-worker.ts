// A module Web Worker that turns JPEG bytes into an ImageBitmap off the main thread and transfers it back.
import { type DecodeReply, type DecodeRequest } from './decode-messages';

interface WorkerScope {
  onmessage: ((event: MessageEvent<DecodeRequest>) => void) | null;
  postMessage(message: DecodeReply, transfer?: Transferable[]): void;
}

const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  const { id, buffer, offset, length, mimeType } = event.data;
  if (typeof createImageBitmap !== 'function') {
    scope.postMessage({ id, error: 'unsupported' });
    return;
  }
  createImageBitmap(new Blob([new Uint8Array(buffer, offset, length)], { type: mimeType })).then(
    (bitmap) => scope.postMessage({ id, bitmap }, [bitmap]),
    (error: unknown) =>
      scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  );
};
