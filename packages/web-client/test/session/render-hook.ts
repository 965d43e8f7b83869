import { act, createElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { vi } from 'vitest';

export interface RenderedHook<Props, Result> {
  readonly result: { readonly current: Result };
  rerender(props: Props): Promise<void>;
  unmount(): Promise<void>;
}

const roots = new Set<Root>();

/**
 * Runs a hook in a real React root, so that its effects and their cleanups run as they do in the page. These
 * tests run in Node without a DOM library: the root's container and `window` are stand-ins with just what
 * react-dom reads while it mounts, updates and unmounts a component that renders nothing.
 */
export async function renderHook<Props, Result>(
  hook: (props: Props) => Result,
  props: NoInfer<Props>,
): Promise<RenderedHook<Props, Result>> {
  vi.stubGlobal('IS_REACT_ACT_ENVIRONMENT', true);
  // react-dom reads window.event for an update's priority; a test may have stubbed a window of its own.
  if (typeof window === 'undefined') vi.stubGlobal('window', {});
  let rendered: { value: Result } | undefined;
  function Probe(probe: { props: Props }): null {
    rendered = { value: hook(probe.props) };
    return null;
  }
  const root = createRoot(standInContainer());
  roots.add(root);
  await act(async () => root.render(createElement(Probe, { props })));
  return {
    result: {
      get current(): Result {
        if (rendered === undefined) throw new Error('The hook has not rendered.');
        return rendered.value;
      },
    },
    rerender: (next) => act(async () => root.render(createElement(Probe, { props: next }))),
    unmount: async () => {
      roots.delete(root);
      await act(async () => root.unmount());
    },
  };
}

/** Unmounts what a test left mounted and takes the stubbed globals away: for afterEach. */
export async function cleanupHooks(): Promise<void> {
  for (const root of roots) await act(async () => root.unmount());
  roots.clear();
  vi.unstubAllGlobals();
}

function standInContainer(): Element {
  const listeners = { addEventListener: () => undefined, removeEventListener: () => undefined };
  const defaultView = { ...listeners, HTMLIFrameElement: class {} };
  const ownerDocument = { ...listeners, nodeType: 9, defaultView, activeElement: null, body: null };
  return {
    ...listeners,
    nodeType: 1,
    nodeName: 'DIV',
    tagName: 'DIV',
    ownerDocument,
    textContent: '',
  } as unknown as Element;
}
