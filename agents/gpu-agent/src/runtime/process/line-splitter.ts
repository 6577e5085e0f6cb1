/**
 * Cuts a byte stream into lines of at most `maxBytes` bytes (without the newline). A longer
 * line is not kept: its bytes are dropped up to its newline and it is reported as too long,
 * so a command writing without newlines cannot make the agent buffer without bound.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private pending = 0;
  private overflow = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: () => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(10, start); newline !== -1; newline = chunk.indexOf(10, start)) {
      this.take(chunk.subarray(start, newline));
      this.emit();
      start = newline + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
  }

  /** The stream ended: a last line without a newline counts too. */
  end(): void {
    if (this.pending > 0 || this.overflow) this.emit();
  }

  private take(bytes: Buffer): void {
    if (this.overflow) return;
    if (this.pending + bytes.length > this.maxBytes) {
      this.overflow = true;
      this.parts = [];
      this.pending = 0;
      return;
    }
    this.parts.push(bytes);
    this.pending += bytes.length;
  }

  private emit(): void {
    if (this.overflow) this.onTooLong();
    else this.onLine(Buffer.concat(this.parts, this.pending).toString('utf8').replace(/\r$/, ''));
    this.parts = [];
    this.pending = 0;
    this.overflow = false;
  }
}
