/** The last lines a child wrote to stderr: enough to explain a failure without flooding the log. */
export class StderrTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly maxLines = 20,
    private readonly maxLineLength = 400,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split('\n');
    // A chatty child without newlines must not grow the partial line without bound.
    this.partial = (parts.pop() ?? '').slice(-this.maxLineLength);
    for (const line of parts) {
      const trimmed = line.trimEnd();
      if (trimmed.length === 0) continue;
      this.lines.push(trimmed.slice(0, this.maxLineLength));
      if (this.lines.length > this.maxLines) this.lines.shift();
    }
  }

  text(): string {
    const all = this.partial.trim().length > 0 ? [...this.lines, this.partial.trim()] : this.lines;
    return all.join('\n');
  }
}
