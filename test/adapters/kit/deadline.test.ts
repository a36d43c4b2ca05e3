import { describe, expect, it, vi } from 'vitest'
import { Deadline, durationSeconds, naturalDuration, sleep } from '../../../core/duration.ts'

describe('Deadline', () => {
  it('counts down from its timeout and expires', async () => {
    // Bounds that hold however long the process is held up between two lines (a loaded machine).
    const before = Date.now()
    const d = Deadline.after(300)
    expect(d.timeoutMs).toBe(300)
    expect(d.expired).toBe(false)
    const remaining = d.remaining()
    expect(remaining).toBeLessThanOrEqual(300)
    expect(remaining).toBeGreaterThanOrEqual(300 - (Date.now() - before))
    await sleep(320)
    expect(d.expired).toBe(true)
    expect(d.remaining()).toBe(0)
    expect(d.elapsed()).toBeGreaterThanOrEqual(320)
  })

  it('a plain sleep lasts its full time by the wall clock, also when timers fire early', async () => {
    // Node's timers can fire a millisecond early as Date.now() sees it; here they fire 5 ms early.
    const original = globalThis.setTimeout
    const early = vi
      .spyOn(globalThis, 'setTimeout')
      .mockImplementation(((fn: () => void, ms?: number) => original(fn, Math.max(0, (ms ?? 0) - 5))) as typeof setTimeout)
    try {
      for (const ms of [20, 50]) {
        const started = Date.now()
        await sleep(ms)
        expect(Date.now() - started).toBeGreaterThanOrEqual(ms)
      }
    } finally {
      early.mockRestore()
    }
  })

  it('sleeps never past itself, and a sleep to it leaves it expired', async () => {
    const d = Deadline.after(60)
    const started = Date.now()
    await d.sleep(10_000)
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(d.expired).toBe(true)
    const started2 = Date.now()
    await d.sleep(10_000)
    expect(Date.now() - started2).toBeLessThan(5_000)
  })

  it('sleeps the shorter time when that comes first', async () => {
    const d = Deadline.after(5000)
    const started = Date.now()
    await d.sleep(30)
    expect(Date.now() - started).toBeGreaterThanOrEqual(29)
    expect(Date.now() - started).toBeLessThan(1000)
    expect(d.expired).toBe(false)
  })

  it('caps a step and makes a sooner deadline within it', () => {
    const d = Deadline.after(1000)
    expect(d.cap(200)).toBe(200)
    expect(d.cap(5000)).toBeLessThanOrEqual(1000)
    expect(d.within(100).timeoutMs).toBe(100)
    expect(d.within(5000).timeoutMs).toBeLessThanOrEqual(1000)
    expect(Deadline.after(-5).timeoutMs).toBe(0)
    expect(Deadline.after(-5).expired).toBe(true)
  })

  it('races work: its value first, or what onTimeout gives or throws, without unhandled rejections', async () => {
    expect(await Deadline.after(500).race(Promise.resolve('done'), () => 'late')).toBe('done')
    expect(await Deadline.after(20).race(new Promise<string>(() => {}), () => 'late')).toBe('late')
    await expect(
      Deadline.after(20).race(new Promise<string>(() => {}), () => {
        throw new Error('too slow')
      }),
    ).rejects.toThrow('too slow')
    await expect(Deadline.after(500).race(Promise.reject(new Error('broke')), () => 'late')).rejects.toThrow('broke')
    // The losing side failing later is nobody's unhandled rejection.
    const late = new Promise<string>((_, reject) => setTimeout(() => reject(new Error('late failure')), 30))
    expect(await Deadline.after(5).race(late, () => 'gave up')).toBe('gave up')
    await sleep(50)
  })
})

describe('durationSeconds', () => {
  it('reads ISO-8601 durations with nominal calendar lengths', () => {
    expect(durationSeconds('P1D')).toBe(86_400)
    expect(durationSeconds('PT6H')).toBe(21_600)
    expect(durationSeconds('P1W')).toBe(604_800)
    expect(durationSeconds('P1M')).toBe(2_592_000)
    expect(durationSeconds('P1Y')).toBe(31_536_000)
    expect(durationSeconds('P1DT12H30M15S')).toBe(131_415)
    expect(durationSeconds(' PT1.5S ')).toBe(1.5)
  })

  it('accepts comma decimals and rounds to milliseconds', () => {
    expect(durationSeconds('PT0,5M')).toBe(30)
    expect(durationSeconds('PT0.1S')).toBe(0.1)
    expect(durationSeconds('PT0.0004S')).toBe(0)
  })

  it('is undefined for what is not a duration', () => {
    for (const bad of ['', 'P', 'PT', 'P1DT', '1D', 'P1H', 'PT1D', 'P-1D', 'p1d', 'daily'])
      expect(durationSeconds(bad), bad).toBeUndefined()
  })
})

describe('naturalDuration', () => {
  it('says each duration in the unit a person reads best', () => {
    expect(naturalDuration(0.42)).toBe('0.4 s')
    expect(naturalDuration(42)).toBe('42 s')
    expect(naturalDuration(120)).toBe('2.0 min')
    expect(naturalDuration(3 * 3600)).toBe('3.0 h')
    expect(naturalDuration(86_400)).toBe('24.0 h')
    expect(naturalDuration(6 * 86_400)).toBe('6.00 days')
  })
})
