import { formatFinding } from '../ixit/findings.ts'
import type { Finding } from '../ixit/types.ts'

/** Where the commands write; tests swap it to capture output without touching the process. */
export interface Output {
  out: (line: string) => void
  err: (line: string) => void
}

export const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}

export function printFindings(findings: Finding[], io: Output): void {
  for (const f of findings) io.err(formatFinding(f))
}
