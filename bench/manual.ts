/**
 * A manual bench step: the operator is shown what to do and presses Enter when it is done. The
 * suites run in vitest workers without stdin, so the step talks to the controlling terminal
 * (`/dev/tty`) itself. No terminal (CI, a piped run) means no operator: the step fails at once
 * with E_BENCH_NO_OPERATOR instead of waiting for someone who is not there.
 */
import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { isatty } from 'node:tty'
import { Deadline } from '../core/duration.ts'
import type { EvidenceLog } from '../core/evidence.ts'
import { BenchError } from './errors.ts'

export const DEFAULT_TERMINAL = '/dev/tty'
export const DEFAULT_OPERATOR_TIMEOUT_MS = 30 * 60_000
/** How often the terminal is asked for input: reads are non-blocking, so a timeout can end the wait. */
const POLL_MS = 100

export interface ManualStep {
  /** The action, e.g. `restore`; it starts the prompt and the evidence summaries. */
  label: string
  instructions: string
  evidence: EvidenceLog
  /** How long the operator has. Default 30 minutes. */
  timeoutMs?: number
  /** The operator's terminal; tests hand in a pseudo-terminal. Default /dev/tty. */
  terminal?: string
}

const noOperator = (step: ManualStep, why: string): BenchError =>
  new BenchError('E_BENCH_NO_OPERATOR', `needs an operator: ${step.instructions} (${step.label}: ${why})`)

/** The terminal, opened twice: reads non-blocking (so they can be abandoned), writes blocking (so no prompt is lost). */
async function openTerminal(step: ManualStep, path: string): Promise<{ input: FileHandle; output: FileHandle }> {
  const input = await open(path, constants.O_RDONLY | constants.O_NOCTTY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    throw noOperator(step, `no terminal to ask on (${path}: ${err.code ?? err.message})`)
  })
  if (!isatty(input.fd)) {
    await input.close()
    throw noOperator(step, `${path} is not a terminal`)
  }
  try {
    return { input, output: await open(path, constants.O_WRONLY | constants.O_NOCTTY) }
  } catch (err) {
    await input.close()
    throw noOperator(step, `${path} cannot be written (${(err as NodeJS.ErrnoException).code ?? String(err)})`)
  }
}

/** The first line the operator types, or undefined when the deadline passes first. */
async function readLine(step: ManualStep, input: FileHandle, wait: Deadline): Promise<string | undefined> {
  const buffer = Buffer.alloc(1024)
  let text = ''
  while (!wait.expired) {
    let bytes: number
    try {
      ;({ bytesRead: bytes } = await input.read(buffer, 0, buffer.length, null))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw noOperator(step, `the terminal failed (${String(err)})`)
      await wait.sleep(POLL_MS)
      continue
    }
    // A terminal that hangs up reads as end of file.
    if (bytes === 0) throw noOperator(step, 'the terminal closed')
    text += buffer.toString('utf8', 0, bytes)
    // Enter is \n on a terminal in canonical mode, \r on a raw one.
    const end = text.search(/[\r\n]/)
    if (end >= 0) return text.slice(0, end)
  }
  return undefined
}

/** Shows the instructions and resolves once the operator pressed Enter; throws BenchError otherwise. */
export async function manualStep(step: ManualStep): Promise<void> {
  const path = step.terminal ?? DEFAULT_TERMINAL
  const timeoutMs = step.timeoutMs ?? DEFAULT_OPERATOR_TIMEOUT_MS
  const { input, output } = await openTerminal(step, path)
  try {
    const minutes = Math.round(timeoutMs / 60_000)
    await output.write(
      `\n[ts701] ${step.label}: an operator step\n  ${step.instructions}\n` +
        `Press Enter when done (or type skip and Enter if it cannot be done; ${minutes > 0 ? `${minutes} min` : `${timeoutMs} ms`} left): `,
    )
    step.evidence.record({
      channel: 'bench',
      summary: `${step.label}: asked the operator: ${step.instructions}`,
      detail: { terminal: path, timeoutMs },
    })
    const wait = Deadline.after(timeoutMs)
    const line = await readLine(step, input, wait)
    const seconds = (wait.elapsed() / 1000).toFixed(1)
    if (line === undefined) {
      step.evidence.record({ channel: 'bench', summary: `${step.label}: no answer from the operator within ${timeoutMs} ms` })
      await output.write(`\n[ts701] ${step.label}: no answer, giving up\n`)
      throw new BenchError('E_BENCH_TIMEOUT', `needs an operator: ${step.instructions} (${step.label}: no answer within ${timeoutMs} ms)`)
    }
    if (line.trim().toLowerCase() === 'skip') {
      step.evidence.record({ channel: 'bench', summary: `${step.label}: the operator could not do the step (after ${seconds} s)` })
      throw new BenchError('E_BENCH_DECLINED', `${step.label}: the operator could not do the step: ${step.instructions}`)
    }
    step.evidence.record({ channel: 'bench', summary: `${step.label}: the operator confirmed after ${seconds} s` })
  } finally {
    await Promise.allSettled([input.close(), output.close()])
  }
}
