/**
 * A typed, synchronous event: what the device tells its front ends (HTTP API, MQTT client, serial
 * console) about itself. A listener that throws cannot break the device or the other listeners.
 */
export class Signal<T> {
  private readonly listeners = new Set<(value: T) => void>()

  /** Returns the function that removes the listener. */
  on(listener: (value: T) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value)
      } catch {
        // A front end's problem is its own; the device goes on.
      }
    }
  }
}
