/**
 * Console login. When `adapter.login` is configured, a freshly opened console is woken with an
 * empty line (it may sit at a login prompt printed before ts701 opened the port), and whenever
 * the console shows the user or password prompt ts701 answers with the user name and the
 * password from the environment. The password is never recorded: the line log shows `***`.
 */
import type { Deadline } from '../../core/duration.ts'
import { DutError, type Operation } from '../../core/dut.ts'
import type { Console } from './console.ts'
import { pattern } from './pattern.ts'
import { tailExcerpt } from './transcript.ts'

/**
 * How long the console must be quiet before a prompt on its open line counts (not a line still
 * coming), unless the profile's `adapter.promptQuietMs` says otherwise.
 */
export const PROMPT_QUIET_MS = 60
/** After opening: how long the console must be quiet before the first command, at most OPEN_SETTLE_MS. */
const OPEN_QUIET_MS = 50
const OPEN_SETTLE_MS = 500
/** How long a woken console may take to show anything. */
const WAKE_MS = 1500
/** After an empty line sent to wake the console or end a cut-off line: how long it must be quiet once it answered. */
const ANSWER_QUIET_MS = 250
/** Without a command prompt, how long after the password the console must stay quiet to count as logged in. */
const SETTLE_MS = 400

export function quietFor(c: Console, ms: number): boolean {
  return Date.now() - c.lastDataAt >= ms
}

/** Something came since the last flush, and the console has been quiet for `ms` since. */
function answeredThenQuiet(c: Console, ms: number): boolean {
  const view = c.view()
  return (view.lines.length > 0 || view.partial.text !== '') && quietFor(c, ms)
}

/** The open line, when the console has been quiet long enough for it to be a prompt. */
export function promptLine(c: Console): string | undefined {
  const partial = c.view().partial.text
  if (partial.trim() === '' || !quietFor(c, c.cfg.promptQuietMs ?? PROMPT_QUIET_MS)) return undefined
  return partial
}

export interface LoginPrompts {
  user: RegExp
  password: RegExp
}

export function loginPrompts(c: Console, op: Operation): LoginPrompts | undefined {
  const login = c.cfg.login
  if (!login) return undefined
  return {
    user: pattern(op, login.userPrompt, 'adapter.login.userPrompt'),
    password: pattern(op, login.passwordPrompt, 'adapter.login.passwordPrompt'),
  }
}

/** Which login prompt the console shows now, if any. */
export function showsLogin(c: Console, prompts: LoginPrompts | undefined): 'user' | 'password' | undefined {
  if (!prompts) return undefined
  const line = promptLine(c)
  if (line === undefined) return undefined
  if (prompts.user.test(line)) return 'user'
  if (prompts.password.test(line)) return 'password'
  return undefined
}

/** Opens the port if needed; a freshly opened console with a login is woken and logged in. */
export async function ready(c: Console, op: Operation, deadline: Deadline): Promise<void> {
  await c.connect(op, deadline)
  if (!c.fresh) return
  // What the device printed before the port was opened may still be on its way: let it pass.
  await c.waitFor(op, () => quietFor(c, OPEN_QUIET_MS), deadline.within(OPEN_SETTLE_MS))
  if (c.cutOff) await endCutLine(c, op, deadline)
  const prompts = loginPrompts(c, op)
  if (!prompts) return
  const prompt = c.cfg.prompt ? pattern(op, c.cfg.prompt, 'adapter.prompt') : undefined
  c.flush()
  await c.sendLine(op, '', deadline)
  await c.waitFor(
    op,
    () => {
      const line = promptLine(c)
      if (line !== undefined && (prompts.user.test(line) || prompts.password.test(line) || prompt?.test(line))) return true
      // Something came and the console went quiet again: whatever it is, it is not asking for a login.
      return answeredThenQuiet(c, ANSWER_QUIET_MS)
    },
    deadline.within(WAKE_MS),
  )
  if (showsLogin(c, prompts)) await login(c, op, deadline)
}

/**
 * After a write that was cut off, an empty line ends whatever the device holds of the cut line:
 * it reads it as a command of its own (an error, most likely) rather than as the start of the
 * next one. The device's answer, and the rest of what it was still working through, is let
 * pass before the first command.
 */
async function endCutLine(c: Console, op: Operation, deadline: Deadline): Promise<void> {
  c.cutOff = false
  c.flush()
  await c.sendLine(op, '', deadline)
  await c.waitFor(op, () => answeredThenQuiet(c, ANSWER_QUIET_MS), deadline.within(WAKE_MS))
  c.flush()
}

/** Answers the login prompts the console shows; throws E_DUT_REFUSED when the login is refused. */
export async function login(c: Console, op: Operation, deadline: Deadline): Promise<void> {
  const cfg = c.cfg.login!
  const prompts = loginPrompts(c, op)!
  const password = c.env[cfg.passwordEnv]
  if (password === undefined || password === '') {
    throw new DutError(
      'E_DUT_REFUSED',
      op,
      `the console asks for a login, but environment variable ${cfg.passwordEnv} (adapter.login.passwordEnv) with the password is not set`,
    )
  }
  c.transcript.masker.addSecret(password)
  const prompt = c.cfg.prompt ? pattern(op, c.cfg.prompt, 'adapter.prompt') : undefined
  const started = Date.now()

  if (showsLogin(c, prompts) === 'password') {
    // A password prompt nobody asked for: an empty answer gets the console back to the user prompt.
    c.flush()
    await c.sendLine(op, '', deadline)
    if (!(await c.waitFor(op, () => showsLogin(c, prompts) === 'user', deadline))) {
      throw timeout(c, op, started, 'the console showed a password prompt, and no user prompt after an empty answer')
    }
  }

  c.flush()
  await c.sendLine(op, cfg.username, deadline)
  let atPrompt = false
  const asked = await c.waitFor(
    op,
    () => {
      if (showsLogin(c, prompts) === 'password') return true
      const line = promptLine(c)
      atPrompt = line !== undefined && prompt?.test(line) === true
      return atPrompt
    },
    deadline,
  )
  if (!asked) throw timeout(c, op, started, `the console did not ask for the password of ${cfg.username}`)
  if (atPrompt) {
    c.transcript.note(op, `logged in to the console as ${cfg.username} (no password asked)`, { event: 'login', username: cfg.username })
    return
  }

  c.flush()
  await c.sendLine(op, password, deadline, { masked: true })
  let result: 'ok' | 'refused' | undefined
  const answered = await c.waitFor(
    op,
    () => {
      const shown = showsLogin(c, prompts)
      if (shown) {
        result = 'refused'
        return true
      }
      const line = promptLine(c)
      if (line !== undefined && prompt?.test(line)) {
        result = 'ok'
        return true
      }
      if (!prompt && (c.view().lines.length > 0 || c.view().partial.text !== '') && quietFor(c, SETTLE_MS)) {
        result = 'ok'
        return true
      }
      return false
    },
    deadline,
  )
  if (!answered) throw timeout(c, op, started, `the console did not answer the login of ${cfg.username}`)
  if (result === 'refused') {
    c.transcript.note(op, `the console refused the login of ${cfg.username}`, { event: 'login-refused', username: cfg.username })
    throw new DutError(
      'E_DUT_REFUSED',
      op,
      `the console refused the login of ${cfg.username} (it asked for the login again); check adapter.login and ${cfg.passwordEnv}`,
    )
  }
  c.transcript.note(op, `logged in to the console as ${cfg.username}`, { event: 'login', username: cfg.username })
}

function timeout(c: Console, op: Operation, started: number, what: string): DutError {
  const shown = [...c.view().lines.map((l) => l.text), c.view().partial.text].join('\n').trim()
  return new DutError(
    'E_DUT_TIMEOUT',
    op,
    `${what} within ${Date.now() - started} ms${shown ? ` (it printed ${tailExcerpt(shown, undefined, c.transcript.masker)})` : ''}`,
  )
}
