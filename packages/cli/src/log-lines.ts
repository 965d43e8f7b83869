const LEVEL_COLOURS: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[90m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[35m',
};
const ROLE_COLOURS = ['\x1b[36m', '\x1b[35m', '\x1b[34m', '\x1b[33m', '\x1b[32m', '\x1b[37m'];
const RESET = '\x1b[0m';
const HIDDEN_KEYS = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname', 'context']);

export interface LineFormatter {
  (role: string, line: string): string;
}

/**
 * Child output, one line per entry behind the role's name. On a terminal a JSON log entry is shown as
 * "time level message key=value"; elsewhere (CI, files) the JSON is kept intact for machines to read.
 */
export function createLineFormatter(roles: readonly string[], pretty: boolean): LineFormatter {
  const width = Math.max(...roles.map((role) => role.length), 'webstream'.length);
  return (role, line) => {
    const label = `[${role}]`.padEnd(width + 2);
    if (!pretty) return `${label} ${line}`;
    const colour = ROLE_COLOURS[Math.max(roles.indexOf(role), 0) % ROLE_COLOURS.length]!;
    return `${colour}${label}${RESET} ${renderJsonLine(line)}`;
  };
}

function renderJsonLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const level = typeof entry['level'] === 'string' ? entry['level'] : 'info';
  const time = typeof entry['time'] === 'string' ? entry['time'].slice(11, 19) : '';
  const rest = Object.entries(entry)
    .filter(([key]) => !HIDDEN_KEYS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${time} ${LEVEL_COLOURS[level] ?? ''}${level.padEnd(5)}${RESET} ${typeof entry['msg'] === 'string' ? entry['msg'] : ''}${rest ? ` \x1b[90m${rest}${RESET}` : ''}`;
}

/** Splits a stream's chunks into whole lines. */
export function lineSplitter(onLine: (line: string) => void): (chunk: Buffer | string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line);
  };
}
