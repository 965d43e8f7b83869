/** Longest watermark drawn; the policy's text is meant to be a name and a line, not a document. */
const MAX_WATERMARK_CHARS = 200;

/**
 * drawtext's own expansion: a backslash makes the next character literal and %{…} calls a function, so a user's
 * '%' or '\' is escaped to stay text. Control characters (a newline would start a second line) become spaces.
 */
export function escapeDrawtextExpansion(text: string): string {
  const clean = Array.from(text.replace(/\p{Cc}/gu, ' '))
    .slice(0, MAX_WATERMARK_CHARS)
    .join('');
  return clean.replace(/[\\%]/g, (c) => `\\${c}`);
}

/** A filter option value: ':' separates options, and quotes and backslashes are the value parser's escapes. */
export function escapeFilterOption(value: string): string {
  return value.replace(/[\\':]/g, (c) => `\\${c}`);
}

/** The filtergraph level: these characters separate filters, chains and link labels. */
export function escapeFiltergraph(value: string): string {
  return value.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/** An option value as it must appear inside a -vf argument (passed without a shell). */
export function filterValue(value: string): string {
  return escapeFiltergraph(escapeFilterOption(value));
}

export interface WatermarkFilterOptions {
  text: string;
  /** A TrueType font file; without it drawtext asks fontconfig for a default font. */
  fontFile: string | undefined;
  height: number;
}

/**
 * The watermark: the policy's text and the local time (strftime %X, HH:MM:SS in ffmpeg's C locale) bottom-right,
 * semi-transparent on a translucent box so it stays legible on any background.
 */
export function watermarkFilter(options: WatermarkFilterOptions): string {
  const text = `${escapeDrawtextExpansion(options.text)}  %{localtime:%X}`;
  const fontSize = Math.max(12, Math.round(options.height / 40));
  const parts = [
    `text=${filterValue(text)}`,
    ...(options.fontFile === undefined ? [] : [`fontfile=${filterValue(options.fontFile)}`]),
    `fontsize=${fontSize}`,
    'fontcolor=white@0.75',
    'box=1',
    'boxcolor=black@0.45',
    `boxborderw=${Math.round(fontSize / 3)}`,
    `x=w-tw-${fontSize}`,
    `y=h-th-${fontSize}`,
  ];
  return `drawtext=${parts.join(':')}`;
}
