import { copyFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseDocument } from 'yaml'
import { describe, expect, it } from 'vitest'
import { appendDecision, readDecisionsFile, type NewDecision } from '../../decide/decisions-file.ts'
import type { OpenUnit } from '../../decide/open-units.ts'
import { CHOICE_PROMPT, localDate, runSession, type LineReader, type SessionOptions } from '../../decide/session.ts'
import { tempDir } from '../cli/helpers.ts'
import { EXAMPLE } from '../helpers.ts'

function open(unit: string, target?: string): OpenUnit {
  return {
    unit,
    ...(target !== undefined && { target }),
    group: { id: unit.replace(/-\d+[a-z]$/, ''), title: 'a group' },
    kind: 'conceptual',
    reads: [],
    asks: [{ reason: `assessor review: is ${unit} met?`, evidence: [] }],
  }
}

const UNITS = [open('5.3-8-1a', 'UpdProc-1'), open('5.3-8-1a', 'UpdProc-2'), open('5.3-13-1a', 'UserInfo-1'), open('5.3-10-1c')]

/** Answers from a script; the prompts it was asked are kept, and the input ends with the script. */
function scripted(lines: string[]): LineReader & { prompts: string[] } {
  const queue = [...lines]
  const prompts: string[] = []
  return {
    prompts,
    async ask(prompt) {
      prompts.push(prompt)
      return queue.shift()
    },
  }
}

async function session(lines: string[], options: Partial<SessionOptions> = {}) {
  const recorded: NewDecision[] = []
  const out: string[] = []
  const reader = scripted(lines)
  const tally = await runSession(
    {
      units: UNITS,
      evidence: new Map(),
      assessor: 'T. Tester',
      today: '2026-12-02',
      record: async (d) => {
        recorded.push(d)
      },
      ...options,
    },
    reader,
    (l) => out.push(l),
  )
  return { tally, recorded, out: out.join('\n'), prompts: reader.prompts }
}

describe('runSession', () => {
  it('records a pass with its rationale, a fail, a skip, and stops at quit', async () => {
    const { tally, recorded, out } = await session(['p', 'Deadlines are explicit.', 'F', 'No deadline for critical findings.', 's', 'q'])
    expect(recorded).toEqual([
      {
        unit: '5.3-8-1a',
        target: 'UpdProc-1',
        verdict: 'PASS',
        rationale: 'Deadlines are explicit.',
        assessor: 'T. Tester',
        date: '2026-12-02',
      },
      {
        unit: '5.3-8-1a',
        target: 'UpdProc-2',
        verdict: 'FAIL',
        rationale: 'No deadline for critical findings.',
        assessor: 'T. Tester',
        date: '2026-12-02',
      },
    ])
    expect(tally).toEqual({ decided: 2, skipped: 1, left: 1, stopped: 'quit' })
    expect(out).toContain('1 of 4: 5.3-8-1a [UpdProc-1]')
    expect(out).toContain('recorded: 5.3-8-1a [UpdProc-2] FAIL')
    expect(out).toContain('4 of 4: 5.3-10-1c')
  })

  it('goes through to the end and leaves out the target of a unit run once per DUT', async () => {
    const { tally, recorded } = await session(['s', 's', 'skip', 'pass', 'Port scan found nothing else.'])
    expect(tally).toEqual({ decided: 1, skipped: 3, left: 0, stopped: 'done' })
    expect(recorded).toEqual([
      { unit: '5.3-10-1c', verdict: 'PASS', rationale: 'Port scan found nothing else.', assessor: 'T. Tester', date: '2026-12-02' },
    ])
  })

  it('asks again after an answer it does not know and after a blank rationale', async () => {
    const { recorded, out, prompts } = await session(['maybe', 'p', '', '   ', ' Fine. ', 'q'])
    expect(out).toContain('answer p (pass), f (fail), s (skip to the next unit) or q (quit)')
    expect(out).toContain('required: say what was examined and what was found')
    expect(prompts).toEqual([CHOICE_PROMPT, CHOICE_PROMPT, 'rationale: ', 'rationale: ', 'rationale: ', CHOICE_PROMPT])
    expect(recorded.map((d) => d.rationale)).toEqual(['Fine.'])
  })

  it("asks for the assessor's name once, at the first verdict, when --assessor was not given", async () => {
    const { recorded, prompts } = await session(['s', 'p', 'R. Person', 'ok', 'f', 'not ok', 'q'], { assessor: undefined })
    expect(prompts.filter((p) => p.startsWith('assessor'))).toHaveLength(1)
    expect(recorded.map((d) => d.assessor)).toEqual(['R. Person', 'R. Person'])
  })

  it('at the end of input keeps what was answered and records no half-answered unit', async () => {
    const { tally, recorded } = await session(['p', 'Deadlines are explicit.', 'f'])
    expect(recorded).toHaveLength(1)
    expect(tally).toEqual({ decided: 1, skipped: 0, left: 3, stopped: 'end of input' })
  })

  it('with no input at all decides nothing', async () => {
    const { tally, recorded } = await session([])
    expect(recorded).toEqual([])
    expect(tally).toEqual({ decided: 0, skipped: 0, left: 4, stopped: 'end of input' })
  })

  it('writes every answer to the decisions file before the next question, so an interruption loses nothing answered', async () => {
    const dir = await tempDir('decide-session')
    const file = join(dir, 'decisions.yaml')
    await copyFile(join(EXAMPLE, 'decisions.yaml'), file)
    const header = (await readFile(file, 'utf8')).split('\n')[0]
    let seenOnDisk = 0
    // The input ends in the middle of the third unit, as a closed pipe or Ctrl+D would end it.
    const reader = scripted(['p', 'Deadlines are explicit.', 'f', 'No deadline for critical findings.', 'p'])
    const ask = reader.ask.bind(reader)
    reader.ask = async (prompt) => {
      if (prompt === CHOICE_PROMPT) seenOnDisk = (await readDecisionsFile(dir)).decided.length
      return ask(prompt)
    }
    const units = [open('5.3-9-1a', 'UpdMech-Network'), open('5.3-9-1a', 'UpdMech-LocalUpload'), open('5.3-16-2a', 'UserInfo-1')]
    const tally = await runSession(
      { units, evidence: new Map(), assessor: 'T. Tester', today: localDate(), record: (d) => appendDecision(file, d) },
      reader,
      () => {},
    )
    expect(tally.stopped).toBe('end of input')
    expect(seenOnDisk).toBe(18)
    const text = await readFile(file, 'utf8')
    expect(text.split('\n')[0]).toBe(header)
    const decisions = parseDocument(text).toJS().decisions as NewDecision[]
    expect(decisions).toHaveLength(18)
    expect(decisions.slice(-2).map((d) => [d.target, d.verdict, d.date])).toEqual([
      ['UpdMech-Network', 'PASS', localDate()],
      ['UpdMech-LocalUpload', 'FAIL', localDate()],
    ])
  })
})

describe('localDate', () => {
  it('is the calendar date where the assessor sits, as YYYY-MM-DD', () => {
    expect(localDate(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05')
  })
})
