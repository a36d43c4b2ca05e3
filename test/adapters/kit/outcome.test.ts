import { describe, expect, it } from 'vitest'
import { DutError, type UpdateOutcome } from '../../../core/dut.ts'
import { missByCode } from '../../../adapters/kit/miss.ts'
import { mapState, waitForOutcome, type OutcomeAttempt, type OutcomeWait } from '../../../adapters/kit/outcome.ts'

const states = { installed: ['installed', 'ok'], rejected: ['rejected'], pending: ['installing'] }
const wait = (over: Partial<OutcomeWait> = {}): OutcomeWait => ({
  timeoutMs: 300,
  intervalMs: 20,
  states,
  where: 'on the test device',
  missOf: missByCode,
  ...over,
})
const failure = (code: DutError['code'], message: string) => new DutError(code, 'read-outcome', message)

/** An attempt that answers the raw states in turn, then the last one forever. */
function answering(...raws: string[]): OutcomeAttempt & { calls: number } {
  const attempt = Object.assign(
    async (watch: Parameters<OutcomeAttempt>[0]): Promise<UpdateOutcome | undefined> => {
      attempt.calls++
      const raw = raws.length > 1 ? raws.shift()! : raws[0]!
      return watch.state(raw, () => ({ version: '1.5.0', detail: undefined }))
    },
    { calls: 0 },
  )
  return attempt
}

describe('the outcome poller', () => {
  it('maps raw states through the profile', () => {
    expect(mapState('ok', states)).toBe('installed')
    expect(mapState('rejected', states)).toBe('rejected')
    expect(mapState('installing', states)).toBe('pending')
    expect(mapState('Installed', states)).toBeUndefined()
  })

  it('polls every interval until a final state, which carries what the device says with it', async () => {
    const attempt = answering('installing', 'installing', 'ok')
    expect(await waitForOutcome(wait(), attempt)).toEqual({ state: 'installed', version: '1.5.0' })
    expect(attempt.calls).toBe(3)
  })

  it('waits settleMs first; the timeout runs from then', async () => {
    const started = Date.now()
    expect(await waitForOutcome(wait({ settleMs: 100, timeoutMs: 50 }), answering('rejected'))).toEqual({
      state: 'rejected',
      version: '1.5.0',
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(99)
  })

  describe('a wait that runs out: one reading on every channel', () => {
    it('still pending: unknown, saying so', async () => {
      const started = Date.now()
      expect(await waitForOutcome(wait(), answering('installing'))).toEqual({
        state: 'unknown',
        detail: 'no final outcome within 300 ms (still "installing")',
      })
      expect(Date.now() - started).toBeGreaterThanOrEqual(299)
      // It ends at the timeout: a second of room for a loaded machine.
      expect(Date.now() - started).toBeLessThan(1300)
    })

    it('an unmapped state: unknown, naming it and the states the profile knows, before anything else', async () => {
      const attempt: OutcomeAttempt = async (watch) => {
        watch.state('flashing')
        throw failure('E_DUT_TIMEOUT', 'no answer within 50 ms')
      }
      expect(await waitForOutcome(wait(), attempt)).toEqual({
        state: 'unknown',
        detail:
          'no final outcome within 300 ms: the device reported state "flashing", which the profile does not map (known states: "installed", "ok", "rejected", "installing")',
      })
    })

    it('only garbage: unknown, with the last answer', async () => {
      const attempt: OutcomeAttempt = async () => {
        throw failure('E_DUT_PROTOCOL', 'state: expected a JSON answer, got "<html>"')
      }
      expect(await waitForOutcome(wait(), attempt)).toEqual({
        state: 'unknown',
        detail: 'no final outcome within 300 ms (last answer: state: expected a JSON answer, got "<html>")',
      })
    })

    it('never an answer: E_DUT_UNREACHABLE, with where it asked and the last attempt', async () => {
      let calls = 0
      const attempt: OutcomeAttempt = async () => {
        calls++
        throw failure(calls % 2 ? 'E_DUT_UNREACHABLE' : 'E_DUT_TIMEOUT', `attempt ${calls} met nothing`)
      }
      const err = await waitForOutcome(wait(), attempt).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(DutError)
      expect(err).toMatchObject({
        code: 'E_DUT_UNREACHABLE',
        message: `read-outcome: no answer on the test device during 300 ms (last attempt: attempt ${calls} met nothing)`,
      })
      // It asked again after each miss; how often within 300 ms depends on the pauses (the next
      // test) and on how late a loaded machine runs the timers: three on a busy one, five idle.
      expect(calls).toBeGreaterThan(1)
    })

    it('asks a device that is away less and less often, and at the interval again once it answers', async () => {
      const at: number[] = []
      const started = Date.now()
      const attempt: OutcomeAttempt = async (watch) => {
        at.push(Date.now() - started)
        if (at.length <= 6) throw failure('E_DUT_UNREACHABLE', 'connection refused')
        return watch.state(at.length < 9 ? 'installing' : 'ok', () => ({ version: '1.5.0', detail: undefined }))
      }
      expect(await waitForOutcome(wait({ timeoutMs: 5_000 }), attempt)).toEqual({ state: 'installed', version: '1.5.0' })
      const gaps = at.slice(1).map((t, i) => t - at[i]!)
      // 40, 80, 160, then 250 ms after each miss (at the interval of 20 ms: six misses in 120 ms)...
      expect(gaps.slice(0, 4).every((g, i) => i === 0 || g > gaps[i - 1]!)).toBe(true)
      for (const g of gaps.slice(3, 6)) expect(g).toBeGreaterThanOrEqual(250)
      for (const g of gaps.slice(3, 6)) expect(g).toBeLessThan(400)
      // ...then the interval again while it answers.
      expect(gaps[6]).toBeLessThan(150)
      expect(gaps[7]).toBeLessThan(150)
    })

    it('a device heard without a state (an open stream, a non-2xx answer) is not unreachable', async () => {
      const attempt: OutcomeAttempt = async (watch) => {
        watch.heard('503 Service Unavailable')
        return undefined
      }
      expect(await waitForOutcome(wait(), attempt)).toEqual({
        state: 'unknown',
        detail: 'no final outcome within 300 ms (last answer: 503 Service Unavailable)',
      })
    })
  })

  it('ends at once on a failure waiting cannot fix', async () => {
    let calls = 0
    const refused = failure('E_DUT_REFUSED', 'the device refused GET /status (401 Unauthorized)')
    await expect(
      waitForOutcome(wait(), async () => {
        calls++
        throw refused
      }),
    ).rejects.toBe(refused)
    expect(calls).toBe(1)
  })

  it('never starts an attempt after the deadline', async () => {
    const startedAt: number[] = []
    const started = Date.now()
    await waitForOutcome(wait({ timeoutMs: 200, intervalMs: 0 }), async (watch, until) => {
      startedAt.push(Date.now() - started)
      await until.sleep(70)
      watch.heard()
      return undefined
    })
    for (const t of startedAt) expect(t).toBeLessThan(200)
  })
})
