import { describe, expect, it } from 'vitest';
import {
  escapeDrawtextExpansion,
  escapeFiltergraph,
  escapeFilterOption,
  filterValue,
  watermarkFilter,
} from '../../src/media/x11/drawtext';

describe('drawtext escaping', () => {
  it('keeps % and \\ literal in drawtext expansion and turns control characters into spaces', () => {
    expect(escapeDrawtextExpansion('50% off')).toBe('50\\% off');
    expect(escapeDrawtextExpansion('a\\b')).toBe('a\\\\b');
    expect(escapeDrawtextExpansion('%{localtime}')).toBe('\\%{localtime}');
    expect(escapeDrawtextExpansion('line1\nline2\r\t')).toBe('line1 line2  ');
  });

  it('caps the watermark length', () => {
    expect(escapeDrawtextExpansion('x'.repeat(1000))).toHaveLength(200);
  });

  it('escapes option separators and quotes at the option level', () => {
    expect(escapeFilterOption("a:b'c\\d")).toBe("a\\:b\\'c\\\\d");
  });

  it('escapes filtergraph separators at the graph level', () => {
    expect(escapeFiltergraph("a,b;c[d]e'f\\g")).toBe("a\\,b\\;c\\[d\\]e\\'f\\\\g");
  });

  it("matches ffmpeg's documented two-level example", () => {
    // ffmpeg-filters "Quoting and escaping": this text, as it must appear in a filtergraph.
    expect(filterValue("this is a 'string': may contain one, or more, special characters")).toBe(
      "this is a \\\\\\'string\\\\\\'\\\\: may contain one\\, or more\\, special characters",
    );
  });

  it('builds a drawtext filter that parses back to exactly our options', () => {
    const nasty = "eve:x=0,crop=1:1;[o]'\\50%";
    const filter = watermarkFilter({ text: nasty, fontFile: '/f/Deja:Vu.ttf', height: 720 });
    expect(filter.startsWith(String.raw`drawtext=text=eve\\:x=0\,crop=1\\:1\;\[o\]\\\'`)).toBe(true);
    // Undo the filtergraph level (no separator may survive), then split the options as ffmpeg does.
    const [graphLevel] = unescapeSplit(filter.slice('drawtext='.length), '[],;');
    expect(unescapeSplit(filter.slice('drawtext='.length), '[],;')).toHaveLength(1);
    const options = unescapeSplit(graphLevel ?? '', ':');
    expect(options.map((option) => option.split('=')[0])).toEqual([
      'text',
      'fontfile',
      'fontsize',
      'fontcolor',
      'box',
      'boxcolor',
      'boxborderw',
      'x',
      'y',
    ]);
    expect(options[0]).toBe(String.raw`text=eve:x=0,crop=1:1;[o]'\\50\%  %{localtime:%X}`);
    expect(options[1]).toBe('fontfile=/f/Deja:Vu.ttf');
    expect(options[2]).toBe('fontsize=18');
  });

  it('leaves fontfile out when there is no font', () => {
    expect(watermarkFilter({ text: 'x', fontFile: undefined, height: 600 })).not.toContain('fontfile');
  });
});

/** One level of ffmpeg's unescaping: a backslash takes the next character literally; separators split. */
function unescapeSplit(text: string, separators: string): string[] {
  const parts: string[] = [''];
  for (let i = 0; i < text.length; i++) {
    const char = text.charAt(i);
    if (char === "'") throw new Error(`an unescaped quote at ${i}`);
    if (char === '\\') {
      i++;
      parts[parts.length - 1] += text.charAt(i);
    } else if (separators.includes(char)) {
      parts.push('');
    } else {
      parts[parts.length - 1] += char;
    }
  }
  return parts;
}
