/** A one-line progress bar on a terminal's stderr: rows so far and rows per second, redrawn at most every 100 ms. */
export class RowProgress {
  private rows = 0;
  private lastDrawn = -Infinity;
  private readonly started: number;

  constructor(
    private readonly terminal: { write(text: string): void },
    private readonly now: () => number,
    private readonly label: string,
  ) {
    this.started = now();
  }

  update(rows: number): void {
    this.rows = rows;
    if (this.now() - this.lastDrawn >= 100) this.draw();
  }

  /** The last count, and the line ended. */
  done(): void {
    this.draw();
    this.terminal.write('\n');
  }

  private draw(): void {
    this.lastDrawn = this.now();
    const seconds = Math.max((this.now() - this.started) / 1000, 0.001);
    this.terminal.write(`\r\u001b[2K${this.label} ${this.rows.toLocaleString('en-US')} rows  ${Math.round(this.rows / seconds).toLocaleString('en-US')} rows/s`);
  }
}
