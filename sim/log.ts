import type { DeviceClock } from './clock.ts'

export interface LogEntry {
  /** Device time, ISO 8601. */
  time: string
  /** `api`, `check`, `download`, `verify`, `install`, `notify`, `power`, `settings`, `service`. */
  topic: string
  message: string
  detail?: Record<string, unknown>
}

/**
 * The device's in-memory log, for debugging and for the tests' evidence. Callers never pass
 * request headers or bodies: credentials cannot reach it by construction.
 */
export class DeviceLog {
  private readonly entries: LogEntry[] = []

  constructor(
    private readonly clock: DeviceClock,
    private readonly sink?: (entry: LogEntry) => void,
    private readonly limit = 5000,
  ) {}

  add(topic: string, message: string, detail?: Record<string, unknown>): void {
    const entry: LogEntry = { time: this.clock.now().toISOString(), topic, message, ...(detail ? { detail } : {}) }
    this.entries.push(entry)
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit)
    this.sink?.(entry)
  }

  all(topic?: string): LogEntry[] {
    return topic ? this.entries.filter((e) => e.topic === topic) : [...this.entries]
  }
}

export function formatLogEntry(e: LogEntry): string {
  return `${e.time} ${e.topic.padEnd(8)} ${e.message}${e.detail ? ` ${JSON.stringify(e.detail)}` : ''}`
}
