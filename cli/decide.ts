import { createInterface } from 'node:readline'
import { Ts701Error, UsageError } from '../core/errors.ts'
import type { RecordedEntry } from '../core/evidence.ts'
import type { GroupResult } from '../core/verdict.ts'
import { appendDecision, readDecisionsFile } from '../decide/decisions-file.ts'
import { evaluateDocuments, openUnits, readRunFolder } from '../decide/open-units.ts'
import { localDate, runSession, type LineReader, type Tally } from '../decide/session.ts'
import { InvalidAssessmentError } from '../ixit/errors.ts'
import { printFindings, type Output } from './output.ts'

export interface DecideCommandOptions {
  /** A run folder to take the open units from, instead of evaluating the documents. */
  from?: string
  assessor?: string
  standard?: string
}

type Input = NodeJS.ReadableStream & { isTTY?: boolean }

/**
 * Exit codes of decide: 0 once the walk ends, however much was decided; 2 when the folder, its
 * decisions or the run cannot be used and nothing was asked (as report and verify answer).
 */
export const DECIDE_EXIT = { done: 0, badInput: 2 } as const

/**
 * Walks the assessor through the units waiting for a person and writes each verdict into the
 * assessment's decisions document as soon as it is given.
 */
export async function decide(dir: string, options: DecideCommandOptions, io: Output, input: Input = process.stdin): Promise<number> {
  try {
    await walk(dir, options, io, input)
    return DECIDE_EXIT.done
  } catch (err) {
    if (err instanceof InvalidAssessmentError) {
      printFindings(err.findings, io)
      io.err(`ts701: the assessment documents have errors (ts701 lint ${dir} lists them); nothing to decide until they are fixed`)
      return DECIDE_EXIT.badInput
    }
    if (!(err instanceof Ts701Error)) throw err
    io.err(`ts701: ${err.message}`)
    return DECIDE_EXIT.badInput
  }
}

async function walk(dir: string, options: DecideCommandOptions, io: Output, input: Input): Promise<void> {
  if (options.from !== undefined && options.standard !== undefined) {
    throw new UsageError("--standard picks the edition the documents are evaluated against; with --from the run's own edition holds")
  }
  const file = await readDecisionsFile(dir)
  let groups: GroupResult[]
  let evidence: ReadonlyMap<string, RecordedEntry> = new Map()
  if (options.from !== undefined) {
    ;({ groups, evidence } = await readRunFolder(options.from))
  } else {
    io.out(`evaluating the documents of ${dir}, as ts701 run --conceptual-only does …`)
    groups = await evaluateDocuments(dir, options.standard)
  }
  const units = openUnits(groups, file.decided)
  if (units.length === 0) {
    io.out(
      `no unit waits for an assessor: ${options.from === undefined ? 'the documents leave' : 'the run left'} nothing open that ${file.path} does not settle`,
    )
    return
  }
  io.out(
    `${units.length} unit${units.length === 1 ? '' : 's'} wait for an assessor; every answer goes into ${file.path} as soon as it is given`,
  )
  const reader = lineReader(input, io)
  try {
    const tally = await runSession(
      { units, evidence, assessor: options.assessor, today: localDate(), record: (d) => appendDecision(file.path, d) },
      reader,
      io.out,
    )
    for (const line of closing(tally, dir, file.path)) io.out(line)
  } finally {
    reader.close()
  }
}

function closing(t: Tally, dir: string, path: string): string[] {
  const how = t.stopped === 'done' ? 'all units seen' : t.stopped === 'quit' ? 'quit' : 'input ended'
  const lines = ['', `${how}: ${t.decided} decided, ${t.skipped} skipped, ${t.left} left`]
  if (t.decided === 0) return lines
  return [
    ...lines,
    `the decisions are in ${path}; the next run applies them, or apply them to runs already made:`,
    `  ts701 report <run dir>… --assessment ${dir}`,
    `  ts701 run --assessment ${dir} --out <new run>`,
  ]
}

/**
 * Answers line by line, from a terminal or a pipe alike. On a terminal the prompt stays on the
 * line the answer is typed on; piped, nothing is echoed, so the prompt ends its own line.
 */
function lineReader(input: Input, io: Output): LineReader & { close(): void } {
  const rl = createInterface({ input, crlfDelay: Infinity, terminal: false })
  const lines = rl[Symbol.asyncIterator]()
  return {
    async ask(prompt) {
      if (input.isTTY === true) process.stdout.write(prompt)
      else io.out(prompt.trimEnd())
      const next = await lines.next()
      return next.done === true ? undefined : next.value
    },
    close: () => rl.close(),
  }
}
