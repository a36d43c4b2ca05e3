import { appendFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { Masker } from './mask.ts'

/** One observation: a request and its answer, a message, a console line, a server hit. */
export interface EvidenceEntry {
  /** `http`, `update-server`, `mqtt`, `serial`, `harness` … */
  channel: string
  /** What happened, in a few words, e.g. `GET /api/info → 200`. */
  summary: string
  /** Structured detail: status, timing, sizes, SHA-256 of bodies. Never credentials. */
  detail?: Record<string, unknown>
}

export interface RecordedEntry extends EvidenceEntry {
  id: string
  time: string
}

/**
 * Evidence is appended as it happens, so an interrupted run keeps everything seen so far. Units
 * cite entries by ID (`E000042`), taking the IDs recorded while they ran.
 */
export class EvidenceLog {
  private count = 0
  private readonly entries: RecordedEntry[] = []
  /** Secrets reach no evidence, whatever the adapter put into an entry; quote with it before cutting. */
  readonly masker: Masker

  constructor(
    private readonly file?: string,
    secrets: string[] = [],
  ) {
    this.masker = new Masker(secrets)
    if (file) mkdirSync(dirname(file), { recursive: true })
  }

  record(entry: EvidenceEntry): string {
    const id = `E${String(++this.count).padStart(6, '0')}`
    const recorded: RecordedEntry = this.masker.value({ id, time: new Date().toISOString(), ...entry })
    this.entries.push(recorded)
    if (this.file) appendFileSync(this.file, `${JSON.stringify(recorded)}\n`)
    return id
  }

  /** A position to pass to `since`. */
  mark(): number {
    return this.entries.length
  }

  since(mark: number): RecordedEntry[] {
    return this.entries.slice(mark)
  }
}
