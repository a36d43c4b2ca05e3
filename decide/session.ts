/**
 * The walk through the open units: show one, take the assessor's answer, record it at once. Input
 * and output are injected, so the same loop serves a terminal, a pipe and a test script.
 */
import type { RecordedEntry } from '../core/evidence.ts'
import type { NewDecision } from './decisions-file.ts'
import type { OpenUnit } from './open-units.ts'
import { describeUnit, unitLabel } from './questions.ts'

export interface LineReader {
  /** Shows the prompt and resolves with the next line, or undefined once the input has ended. */
  ask(prompt: string): Promise<string | undefined>
}

export interface SessionOptions {
  units: readonly OpenUnit[]
  evidence: ReadonlyMap<string, RecordedEntry>
  /** From --assessor; asked once, at the first verdict, when absent. */
  assessor?: string
  /** The decisions' date, YYYY-MM-DD. */
  today: string
  /** Stores one decision; it has to be on disk before the next unit is shown. */
  record(decision: NewDecision): Promise<void>
}

export interface Tally {
  decided: number
  skipped: number
  /** Units neither decided nor skipped, because the walk stopped before them. */
  left: number
  stopped: 'done' | 'quit' | 'end of input'
}

export const CHOICE_PROMPT = '[p]ass, [f]ail, [s]kip, [q]uit? '

type Choice = 'PASS' | 'FAIL' | 'skip' | 'quit'

const CHOICES: Record<string, Choice> = {
  p: 'PASS',
  pass: 'PASS',
  f: 'FAIL',
  fail: 'FAIL',
  s: 'skip',
  skip: 'skip',
  q: 'quit',
  quit: 'quit',
}

export async function runSession(options: SessionOptions, reader: LineReader, write: (line: string) => void): Promise<Tally> {
  const total = options.units.length
  let assessor = options.assessor?.trim() || undefined
  let decided = 0
  let skipped = 0
  const stop = (stopped: Tally['stopped']): Tally => ({ decided, skipped, left: total - decided - skipped, stopped })

  for (const [i, unit] of options.units.entries()) {
    write('')
    for (const line of describeUnit(unit, options.evidence, { index: i + 1, total })) write(line)
    const choice = await choose(reader, write)
    if (choice === undefined) return stop('end of input')
    if (choice === 'quit') return stop('quit')
    if (choice === 'skip') {
      skipped++
      continue
    }
    assessor ??= await required(reader, write, "assessor's name: ", 'the name of the person deciding')
    if (assessor === undefined) return stop('end of input')
    const rationale = await required(reader, write, 'rationale: ', 'say what was examined and what was found')
    if (rationale === undefined) return stop('end of input')
    await options.record({
      unit: unit.unit,
      ...(unit.target !== undefined && { target: unit.target }),
      verdict: choice,
      rationale,
      assessor,
      date: options.today,
    })
    decided++
    write(`  recorded: ${unitLabel(unit)} ${choice}`)
  }
  return stop('done')
}

async function choose(reader: LineReader, write: (line: string) => void): Promise<Choice | undefined> {
  for (;;) {
    const answer = await reader.ask(CHOICE_PROMPT)
    if (answer === undefined) return undefined
    const choice = CHOICES[answer.trim().toLowerCase()]
    if (choice) return choice
    write('  answer p (pass), f (fail), s (skip to the next unit) or q (quit)')
  }
}

/** Asks until the answer is not blank; an empty rationale or name would not validate anyway. */
async function required(reader: LineReader, write: (line: string) => void, prompt: string, hint: string): Promise<string | undefined> {
  for (;;) {
    const answer = await reader.ask(prompt)
    if (answer === undefined) return undefined
    if (answer.trim() !== '') return answer.trim()
    write(`  required: ${hint}`)
  }
}

/** Today in the assessor's own time zone: the date they would write by hand. */
export function localDate(now: Date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, '0')
  return `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())}`
}
