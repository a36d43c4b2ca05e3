import { formatFinding, rootCausesFirst } from '../ixit/findings.ts'
import type { Finding } from '../ixit/types.ts'

/** Where the commands write; tests swap it to capture output without touching the process. */
export interface Output {
  out: (line: string) => void
  err: (line: string) => void
  /** Whether long waits may draw a countdown on stderr: only on a terminal someone watches. */
  progress?: boolean
}

/**
 * A reader that went away (`ts701 lint | head`) ends the output, not the command: a run still
 * writes its reports. Without a listener the EPIPE would surface as an uncaught stack trace.
 */
function closedPipeEndsOutput(stream: NodeJS.WriteStream): (line: string) => void {
  let open = true
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
    open = false
  })
  return (line) => {
    if (open) stream.write(`${line}\n`)
  }
}

export const consoleOutput: Output = {
  out: closedPipeEndsOutput(process.stdout),
  err: closedPipeEndsOutput(process.stderr),
  progress: process.stderr.isTTY === true,
}

/** A file that could not be read comes before what follows from it, whichever list it came in. */
export function printFindings(findings: readonly Finding[], io: Output): void {
  for (const f of rootCausesFirst(findings)) io.err(formatFinding(f))
}
