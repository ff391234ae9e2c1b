/** A bound on how many of something are held at once; who asks for more waits, first come first served. */
export class Slots {
  private held = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  /** Resolves once a slot is this caller's; give it back with free(), once. */
  async take(): Promise<void> {
    if (this.held < this.size) {
      this.held++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  free(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next in line, so `held` stays the same.
    if (next) next();
    else this.held--;
  }
}
