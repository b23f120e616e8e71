// Work the page can do later, while nothing else is waiting: requestIdleCallback where the
// browser has it (Safari does not), a short timeout elsewhere.

/** Run `work(deadline)` when the page is next idle; `deadline.timeRemaining()`: ms left. */
export function whenIdle(work) {
  if (typeof requestIdleCallback === 'function') {
    requestIdleCallback(work);
  } else {
    setTimeout(() => {
      const until = performance.now() + 10;
      work({ timeRemaining: () => Math.max(0, until - performance.now()) });
    }, 50);
  }
}

/**
 * A generator's work done a slice (one `yield`) at a time in idle moments, or all at once by
 * `result()` for a caller who needs it now; either way, the generator's return value.
 */
export class IdleWork {
  constructor(steps) {
    this.steps = steps;
    this.done = false;
    this.value = undefined;
  }

  /** Go on in idle moments until done. */
  start() {
    whenIdle((deadline) => {
      while (!this.done && deadline.timeRemaining() > 4) this.step();
      if (!this.done) this.start();
    });
  }

  result() {
    while (!this.done) this.step();
    return this.value;
  }

  step() {
    const next = this.steps.next();
    this.done = next.done;
    this.value = next.value;
  }
}
