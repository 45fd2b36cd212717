/**
 * @module
 * A promise-chain lock: a session's read-modify-write updates of its own
 * database run one at a time, so two concurrent calls cannot lose a row.
 */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve()

  /** Runs `fn` after every earlier `run` has settled. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn, fn)
    this.#tail = result.catch(() => undefined)
    return result
  }
}
