import { formatFinding } from '../ixit/findings.ts'
import type { Finding } from '../ixit/types.ts'

/** Where the commands write; tests swap it to capture output without touching the process. */
export interface Output {
  out: (line: string) => void
  err: (line: string) => void
  /** Whether long waits may draw a countdown on stderr: only on a terminal someone watches. */
  progress?: boolean
}

export const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  progress: process.stderr.isTTY === true,
}

export function printFindings(findings: readonly Finding[], io: Output): void {
  for (const f of findings) io.err(formatFinding(f))
}
