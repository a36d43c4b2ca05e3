/**
 * One command and its answer. The console is flushed (earlier output stays in evidence only),
 * the command goes out with the line ending, and the lines that come back are read after the
 * device's echo of the command until the profile's pattern matches, the prompt shows up without a
 * match (E_DUT_PROTOCOL, with an excerpt of what the device said instead), or the timeout
 * (E_DUT_TIMEOUT). A login prompt on the way is answered and the command sent again.
 */
import { Deadline } from '../../core/duration.ts'
import { DutError, type Operation } from '../../core/dut.ts'
import { fill, type Vars } from '../kit/template.ts'
import type { Console } from './console.ts'
import { login, loginPrompts, promptLine, quietFor, ready, showsLogin } from './login.ts'
import { pattern } from './pattern.ts'
import type { SerialExchange } from './profile.ts'
import { excerpt, tailExcerpt } from './transcript.ts'

/** The echo of the command is looked for among the first lines after it was sent. */
const ECHO_SCAN_LINES = 3
/** An open line (no line break yet) is matched once the console has been quiet this long. */
const QUIET_MS = 100
/** After a match, how long to wait for the prompt to come back before the next command. */
const SETTLE_MS = 1000

/** The device answered, but not with what the profile expects (deliveries turn this into a receipt). */
export class AnswerMismatch extends DutError {
  constructor(
    op: Operation,
    message: string,
    /** What the device said instead, cleaned. */
    readonly answer: string,
  ) {
    super('E_DUT_PROTOCOL', op, message)
  }
}

/** What came back after the echo of the command. */
export interface AnswerView {
  /** Complete lines after the echo (all lines when no echo was seen). */
  lines: string[]
  /** The open line, unless it is the echo still arriving. */
  partial: string
  echoed: boolean
  /** The prompt regex matches the open line and the console is quiet: the device is done. */
  atPrompt: boolean
  /** No data for a moment. */
  quiet: boolean
}

export type Step<T> = { done: T } | { fail: DutError } | undefined

export interface ConverseOptions {
  /** The filled command line, without the line ending. */
  command: string
  /** The whole conversation's: login, command and answer. */
  deadline: Deadline
  /** For the timeout message: what the answer should have looked like. */
  wanted: string
  /** Evidence summary of the result (readiness polls leave their failures to the caller). */
  record?: boolean
}

/** Sends a command and feeds what comes back to `step` until it decides, or the timeout. */
export async function converse<T>(
  c: Console,
  op: Operation,
  o: ConverseOptions,
  step: (view: AnswerView) => Step<T>,
): Promise<{ value: T; ms: number }> {
  const deadline = o.deadline
  const prompt = c.cfg.prompt ? pattern(op, c.cfg.prompt, 'adapter.prompt') : undefined
  const prompts = loginPrompts(c, op)
  await ready(c, op, deadline)
  let loggedIn = false
  if (showsLogin(c, prompts)) {
    // The console sits at a login prompt (a session that timed out, a device that restarted).
    await login(c, op, deadline)
    loggedIn = true
  }
  for (;;) {
    c.flush()
    await c.sendLine(op, o.command, deadline)
    let outcome: { done: T } | { fail: DutError } | { login: true } | undefined
    const settled = await c.waitFor(
      op,
      () => {
        const view = answerView(c, o.command, prompt)
        const r = step(view)
        if (r && 'done' in r) outcome = r
        else if (showsLogin(c, prompts)) outcome = { login: true }
        else if (r) outcome = r
        return outcome !== undefined
      },
      deadline,
    )
    if (!settled || !outcome) {
      const error = new DutError(
        'E_DUT_TIMEOUT',
        op,
        `no answer to ${JSON.stringify(c.transcript.masker.text(o.command))} ${o.wanted} within ${deadline.timeoutMs} ms; ${said(c, o.command, prompt)}`,
      )
      if (o.record !== false)
        c.transcript.note(op, error.message, {
          event: 'exchange',
          command: c.transcript.masker.text(o.command),
          ms: deadline.elapsed(),
          error: error.code,
        })
      throw error
    }
    if ('login' in outcome) {
      if (loggedIn)
        throw new DutError('E_DUT_REFUSED', op, `the console asked for a login again after ts701 logged in as ${c.cfg.login!.username}`)
      await login(c, op, deadline)
      loggedIn = true
      continue
    }
    if ('fail' in outcome) {
      if (o.record !== false)
        c.transcript.note(op, outcome.fail.message, {
          event: 'exchange',
          command: c.transcript.masker.text(o.command),
          ms: deadline.elapsed(),
          error: outcome.fail.code,
        })
      throw outcome.fail
    }
    return { value: outcome.done, ms: deadline.elapsed() }
  }
}

export interface ExchangeOptions {
  vars?: Vars
  /** Replaces the exchange's own timeout (readiness and outcome polls give what is left). */
  timeoutMs?: number
  /** After the match, wait for the prompt to come back (default); not for commands that restart the device. */
  settle?: boolean
  record?: boolean
  /** Names the exchange in messages, e.g. `begin` of a transfer. */
  label?: string
}

export interface Answer {
  groups: Record<string, string | undefined>
  /** The cleaned answer the pattern matched in. */
  text: string
  ms: number
}

/** A command template of the profile, filled in. */
export function command(op: Operation, template: string, vars: Vars = {}): string {
  return fill(template, vars, { op, what: `the command template ${JSON.stringify(template)}` })
}

/** One `SerialExchange` of the profile: the templated command, and the answer matching `expect`. */
export async function exchange(c: Console, op: Operation, ex: SerialExchange, o: ExchangeOptions = {}): Promise<Answer> {
  const sent = command(op, ex.send, o.vars)
  const expect = pattern(op, ex.expect, `the expect pattern${o.label ? ` of ${o.label}` : ''}`, 'm')
  const deadline = Deadline.after(Math.max(1, Math.round(o.timeoutMs ?? ex.timeoutMs ?? c.timeoutFor(op))))
  const wanted = `matching /${ex.expect}/`
  const { value, ms } = await converse<{ m: RegExpExecArray; text: string }>(
    c,
    op,
    { command: sent, deadline, wanted, ...(o.record !== undefined ? { record: o.record } : {}) },
    (view) => {
      const complete = view.lines.length > 0 ? `${view.lines.join('\n')}\n` : ''
      let m = expect.exec(complete)
      if (m) return { done: { m, text: complete } }
      // The open line counts once the console is quiet: it is not a line still arriving.
      if ((view.quiet || view.atPrompt) && view.partial !== '') {
        const text = complete + view.partial
        m = expect.exec(text)
        if (m) return { done: { m, text } }
      }
      if (view.atPrompt) {
        const answer = complete.replace(/\n$/, '')
        const instead = answer.trim() === '' ? 'nothing but the prompt' : excerpt(answer, undefined, c.transcript.masker)
        return {
          fail: new AnswerMismatch(
            op,
            `the device answered ${JSON.stringify(c.transcript.masker.text(sent))} with ${instead} instead of /${ex.expect}/`,
            answer,
          ),
        }
      }
      return undefined
    },
  )
  const groups = { ...(value.m.groups ?? {}) }
  if (o.record !== false) {
    const shown = Object.entries(groups)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(', ')
    c.transcript.note(
      op,
      `${op}: ${JSON.stringify(c.transcript.masker.text(sent))} answered in ${ms} ms${shown ? ` (${c.transcript.masker.text(shown)})` : ''}`,
      {
        event: 'exchange',
        command: c.transcript.masker.text(sent),
        expect: ex.expect,
        ...(o.label ? { step: o.label } : {}),
        groups: c.transcript.masker.value(groups),
        ms,
      },
    )
  }
  if (o.settle !== false) await settle(c, op, deadline.within(SETTLE_MS))
  return { groups, text: value.text, ms }
}

/** Waits for the prompt after an answer, so the next command does not meet it; never fails. */
async function settle(c: Console, op: Operation, until: Deadline): Promise<void> {
  if (!c.cfg.prompt) return
  const prompt = pattern(op, c.cfg.prompt, 'adapter.prompt')
  try {
    await c.waitFor(
      op,
      () => {
        const line = promptLine(c)
        return line !== undefined && prompt.test(line)
      },
      until,
    )
  } catch {
    // The port went away after the answer came: the answer stands; the next operation finds out.
  }
}

/** The lines after the echo of the command, and whether the device sits at its prompt. */
export function answerView(c: Console, command: string, prompt: RegExp | undefined): AnswerView {
  const { lines, partial } = c.view()
  const sent = command.trim()
  let start = 0
  let echoed = false
  if (sent !== '') {
    const scan = Math.min(lines.length, ECHO_SCAN_LINES)
    for (let i = 0; i < scan; i++) {
      if (lines[i]!.text.trimEnd().endsWith(sent)) {
        start = i + 1
        echoed = true
        break
      }
    }
  }
  if (echoed) c.echoes = true
  const open = partial.text
  // The echo still arriving (after a late prompt, say) is not the device's answer, nor its prompt.
  const echoArriving = !echoed && sent !== '' && open.trimEnd().endsWith(sent)
  const awaitingEcho = !echoed && sent !== '' && c.echoes
  const line = echoArriving || awaitingEcho ? undefined : promptLine(c)
  return {
    lines: lines.slice(start).map((l) => l.text),
    partial: echoArriving ? '' : open,
    echoed,
    atPrompt: line !== undefined && prompt !== undefined && prompt.test(line),
    quiet: quietFor(c, QUIET_MS),
  }
}

/** What the console showed, for a timeout message. */
export function said(c: Console, command: string, prompt: RegExp | undefined): string {
  const view = answerView(c, command, prompt)
  const text = [...view.lines, view.partial].join('\n').trim()
  if (text !== '') return `the console printed ${tailExcerpt(text, undefined, c.transcript.masker)}`
  if (view.echoed) return 'the device echoed the command and said nothing else'
  return 'the console stayed silent'
}
