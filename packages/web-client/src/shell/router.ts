import { useEffect, useState } from 'react';

/** The page's path, kept in step with the History API (the gateway serves index.html for every app path). */
export function usePath(): string {
  const [path, setPath] = useState(() => window.location.pathname);
  useEffect(() => {
    const update = (): void => setPath(window.location.pathname);
    window.addEventListener('popstate', update);
    window.addEventListener('webstream:navigate', update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener('webstream:navigate', update);
    };
  }, []);
  return path;
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new Event('webstream:navigate'));
}

/** `pattern` like /session/:sessionId against `path`: the named parts, or undefined when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  const rest = want.at(-1) === '*';
  if (rest ? have.length < want.length - 1 : have.length !== want.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    if (part === '*') break;
    const value = have[index]!;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
    else if (part !== value) return undefined;
  }
  return params;
}
