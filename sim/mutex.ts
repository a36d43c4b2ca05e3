/**
 * One update operation at a time (check and download, upload install, service operations): the
 * device has one inactive slot and one staging area.
 */
export class Mutex {
  private tail: Promise<void> = Promise.resolve()
  private holders = 0

  get locked(): boolean {
    return this.holders > 0
  }

  async acquire(): Promise<() => void> {
    let release!: () => void
    const next = new Promise<void>((resolve) => (release = resolve))
    const previous = this.tail
    this.tail = previous.then(() => next)
    this.holders += 1
    await previous
    let released = false
    return () => {
      if (released) return
      released = true
      this.holders -= 1
      release()
    }
  }
}
