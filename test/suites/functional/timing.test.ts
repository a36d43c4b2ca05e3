// The waits the judges derive from the profile (suites/lib/functional/timing.ts). They decide no
// verdict themselves, but every "did not contact", "did not answer" and "stayed at" rests on them.
import { describe, expect, it } from 'vitest'
import { holdBackMs, pollWaitMs, readyTimeoutMs, realMs, watchStepMs } from '../../../suites/lib/functional/timing.ts'
import { FakeDut, operationsWithout } from './fake-dut.ts'
import { fakeSession } from './fake-session.ts'

describe('timing', () => {
  it('realMs compresses device time by the profile time scale', async () => {
    expect(realMs(await fakeSession({ timeScale: 1 }), 2)).toBe(2_000)
    expect(realMs(await fakeSession({ timeScale: 43_200 }), 86_400)).toBe(2_000)
  })

  it('pollWaitMs: the observation window when no poll interval is announced', async () => {
    expect(pollWaitMs(await fakeSession({ observationSeconds: 0.2 }))).toBe(200)
  })

  it('pollWaitMs: one and a half announced intervals, at least 1 s, at most the window', async () => {
    // P1D at 43200 device seconds per second is 2 s: wait 3 s within a 6 s window.
    expect(pollWaitMs(await fakeSession({ timeScale: 43_200, observationSeconds: 6, updateServer: { pollInterval: 'P1D' } }))).toBe(3_000)
    expect(pollWaitMs(await fakeSession({ timeScale: 43_200, observationSeconds: 2, updateServer: { pollInterval: 'P1D' } }))).toBe(2_000)
    expect(pollWaitMs(await fakeSession({ timeScale: 86_400_000, observationSeconds: 6, updateServer: { pollInterval: 'P1D' } }))).toBe(
      1_000,
    )
    // An interval that is no ISO-8601 duration is as good as none.
    expect(pollWaitMs(await fakeSession({ observationSeconds: 0.5, updateServer: { pollInterval: 'daily' } }))).toBe(500)
  })

  it('holdBackMs: twice what the device took with the setting on, at least what its reaction allows', async () => {
    const asked = await fakeSession({ timeScale: 43_200, observationSeconds: 6, updateServer: { pollInterval: 'P1D' } })
    // The lab makes it check now: it acts at once or not at all, so two watch steps are the floor.
    expect(holdBackMs(asked, 10)).toBe(2 * watchStepMs(asked))
    expect(holdBackMs(asked, 200)).toBe(400)
    expect(holdBackMs(asked, 900)).toBe(1_800)
    // It checks only by itself: it may act at its next check, a poll and a half away.
    const polling = await fakeSession({
      timeScale: 43_200,
      observationSeconds: 6,
      updateServer: { pollInterval: 'P1D' },
      dut: new FakeDut({ operations: operationsWithout('check-now') }),
    })
    expect(holdBackMs(polling, 10)).toBe(pollWaitMs(polling))
    expect(holdBackMs(polling, 2_000)).toBe(4_000)
  })

  it('readyTimeoutMs: the reboot operation’s, else a minute', async () => {
    expect(readyTimeoutMs(await fakeSession({ readyTimeoutMs: 1_234 }))).toBe(1_234)
    expect(readyTimeoutMs(await fakeSession({ dut: new FakeDut({ operations: operationsWithout('reboot') }) }))).toBe(60_000)
  })
})
