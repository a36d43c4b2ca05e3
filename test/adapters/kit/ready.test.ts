import { describe, expect, it } from 'vitest'
import { DutError } from '../../../core/dut.ts'
import { missByCode, problemOf } from '../../../adapters/kit/miss.ts'
import { restart, waitUntilAnswering, type Readiness } from '../../../adapters/kit/ready.ts'

type Noted = Array<{ summary: string; detail: Record<string, unknown> }>

function readiness(probe: Readiness['probe'], over: Partial<Readiness> = {}): Readiness & { notes: Noted } {
  const notes: Noted = []
  return {
    op: 'reboot',
    readyTimeoutMs: 2000,
    asks: 'identify',
    probe,
    missOf: missByCode,
    note: (summary, detail) => notes.push({ summary, detail }),
    notes,
    ...over,
  }
}

const error = (code: DutError['code'], message: string) => new DutError(code, 'identify', message)

describe('the failures a wait goes past', () => {
  it('are the same on every channel: silence and a missing device, and garbage from a booting one', () => {
    expect(missByCode(error('E_DUT_TIMEOUT', 'no answer'))).toBe('no-answer')
    expect(missByCode(error('E_DUT_UNREACHABLE', 'gone'))).toBe('no-answer')
    expect(missByCode(error('E_DUT_PROTOCOL', 'garbage'))).toBe('bad-answer')
    expect(missByCode(error('E_DUT_REFUSED', 'no'))).toBeUndefined()
    expect(missByCode(error('E_DUT_NOT_DECLARED', 'no'))).toBeUndefined()
    expect(missByCode(new Error('a bug'))).toBeUndefined()
    expect(problemOf(error('E_DUT_TIMEOUT', 'no answer to "info"'))).toBe('no answer to "info"')
  })
})

describe('waiting until the device answers again', () => {
  it('tries after 50 ms, then at doubling pauses up to 250 ms, through silence and garbage, and notes how long it took', async () => {
    const failures = [
      error('E_DUT_UNREACHABLE', 'connection refused'),
      error('E_DUT_TIMEOUT', 'silence'),
      error('E_DUT_PROTOCOL', 'boot chatter'),
    ]
    let calls = 0
    const at: number[] = []
    let started = 0
    const r = readiness(async (wait) => {
      calls++
      at.push(Date.now() - started)
      expect(wait.timeoutMs).toBe(2000)
      const failure = failures.shift()
      if (failure) throw failure
    })
    started = Date.now()
    await waitUntilAnswering(r)
    expect(calls).toBe(4)
    // Pauses of 50, 100, 200 and 250 ms: attempts at about 50, 150, 350 and 600 ms.
    const floors = [50, 150, 350, 600]
    at.forEach((t, i) => expect(t).toBeGreaterThanOrEqual(floors[i]! - 5))
    expect(at[0]).toBeLessThan(150)
    expect(r.notes).toEqual([
      {
        summary: expect.stringMatching(/^reboot: the device answered again after \d\.\d s \(4 attempts\)$/),
        detail: { event: 'ready', readyMs: expect.any(Number), attempts: 4 },
      },
    ])
  })

  it('gives up with E_DUT_TIMEOUT saying what the last attempt met', async () => {
    const r = readiness(
      async () => {
        throw error('E_DUT_TIMEOUT', 'no answer to "info" within 100 ms')
      },
      { readyTimeoutMs: 600, asks: 'the prompt', op: 'factory-reset' },
    )
    const started = Date.now()
    await expect(waitUntilAnswering(r)).rejects.toMatchObject({
      code: 'E_DUT_TIMEOUT',
      message: 'factory-reset: the device did not answer the prompt again within 600 ms (last: no answer to "info" within 100 ms)',
    })
    expect(Date.now() - started).toBeLessThan(1600) // it ends at the timeout; a second of room for a loaded machine
    expect(r.notes.at(-1)).toEqual({
      summary: expect.stringMatching(/^factory-reset: the device did not answer again within 600 ms \(\d attempts\)$/),
      detail: { event: 'not-ready', attempts: expect.any(Number), last: 'no answer to "info" within 100 ms' },
    })
  })

  it('names the garbage a device answered, not the silence of a last attempt the end of the wait cut short', async () => {
    const r = readiness(
      async (wait) => {
        // The device answers garbage at once while time is left; the attempt that runs into the end hears nothing.
        if (wait.remaining() > 60) throw error('E_DUT_PROTOCOL', 'not HTTP: malformed status line')
        await wait.sleep(wait.remaining())
        throw error('E_DUT_TIMEOUT', `no answer within ${wait.remaining()} ms`)
      },
      { readyTimeoutMs: 400 },
    )
    await expect(waitUntilAnswering(r)).rejects.toMatchObject({
      code: 'E_DUT_TIMEOUT',
      message: 'reboot: the device did not answer identify again within 400 ms (last: not HTTP: malformed status line)',
    })
    // A device that fell silent while time was left is named by its silence.
    let calls = 0
    const silent = readiness(
      async () => {
        if (++calls === 1) throw error('E_DUT_PROTOCOL', 'boot chatter')
        throw error('E_DUT_TIMEOUT', 'no answer within 10 ms')
      },
      { readyTimeoutMs: 400 },
    )
    await expect(waitUntilAnswering(silent)).rejects.toMatchObject({ message: expect.stringMatching(/\(last: no answer within 10 ms\)$/) })
  })

  it('stops at once on what waiting cannot fix', async () => {
    let calls = 0
    const refused = error('E_DUT_REFUSED', 'the console refused the login')
    const r = readiness(async () => {
      calls++
      throw refused
    })
    await expect(waitUntilAnswering(r)).rejects.toBe(refused)
    expect(calls).toBe(1)
  })

  it('restart: a command the going-down device does not confirm is noted, not thrown; others are thrown', async () => {
    const r = readiness(async () => {}, { readyTimeoutMs: 1000 })
    await restart({
      ...r,
      command: async () => {
        throw error('E_DUT_TIMEOUT', 'no reply on dev/cmd/ack within 50 ms')
      },
      goingDown: () => true,
    })
    expect(r.notes.map((n) => n.summary)).toEqual([
      'reboot: the device did not confirm (no reply on dev/cmd/ack within 50 ms); waiting for it to answer again',
      expect.stringMatching(/^reboot: the device answered again after/),
    ])
    const refused = error('E_DUT_REFUSED', 'no')
    let probed = false
    await expect(
      restart({
        ...readiness(async () => {
          probed = true
        }),
        command: async () => {
          throw refused
        },
        goingDown: () => false,
      }),
    ).rejects.toBe(refused)
    expect(probed).toBe(false)
  })
})
