// 5.3-10-1d under stress: the three impostors, round after round, against the real emulator and
// real TLS clients that race the certificate swap (checks in flight at the swap, keep-alive
// connections from before it), with every core busy. The verdicts must not depend on timing.
import { availableParallelism, loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { Worker } from 'node:worker_threads'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UnitResult } from '../../../core/verdict.ts'
import { certificateFingerprint } from '../../../emulator/tls.ts'
import { fakeSession, genuineTls, NETWORK, runUnit, type FakeSession } from './fake-session.ts'

const IMPOSTORS = ['untrusted-ca', 'wrong-host', 'expired'] as const
const ROUNDS = 5
/** Concurrent check loops per device: some check is always in flight when the certificate swaps. */
const LOOPS = 3
/** The load ends by itself after this long, whatever happens to the test. */
const LOAD_MS = 40_000

let workers: Worker[] = []

beforeAll(() => {
  // Busy loops, bounded in time: the handshakes and requests race under a starved CPU. One for each
  // core the rest of the machine leaves idle: every core when the file runs alone, none inside the
  // whole suite, whose other files keep the cores busy already (a loop there only burnt a fifth of
  // a minute of CPU the suite needed).
  const busy = `const end = Date.now() + ${LOAD_MS}; while (Date.now() < end) {}`
  const loops = Math.max(0, availableParallelism() - Math.round(loadavg()[0]!))
  workers = Array.from({ length: loops }, () => new Worker(busy, { eval: true }))
})

afterAll(async () => {
  await Promise.all(workers.map((w) => w.terminate()))
})

/**
 * One device, one round per session: the device checks in loops by itself (keep-alive pool, CA
 * pinned unless it trusts anything) while the judge presents each impostor in turn.
 */
async function rounds(trustsAny: boolean): Promise<{ results: UnitResult[][]; reused: number; sessions: FakeSession[] }> {
  const results: UnitResult[][] = []
  const sessions: FakeSession[] = []
  let reused = 0
  for (let round = 0; round < ROUNDS; round++) {
    const s = await fakeSession({
      updateServer: { tls: true },
      emulator: 'real',
      share: ['impostor-certificates'],
      observationSeconds: 5,
      readyTimeoutMs: 5_000,
    })
    s.dut.trustsAnyCertificate = trustsAny
    const link = s.dut.link!
    let running = true
    const loop = async (): Promise<void> => {
      while (running) {
        await link.check().catch(() => undefined)
        await sleep(Math.random() * 15)
      }
    }
    const loops = Array.from({ length: LOOPS }, loop)
    try {
      const round: UnitResult[] = []
      for (const variant of IMPOSTORS) round.push(await runUnit(s, '5.3-10-1d', { target: NETWORK, variant }))
      results.push(round)
    } finally {
      running = false
      await Promise.all(loops)
    }
    // Keep-alive connections did carry several requests: the swaps met connections from before.
    const perConnection = new Map<number, number>()
    for (const h of (await s.emulator()).hits()) perConnection.set(h.tls!.connection!, (perConnection.get(h.tls!.connection!) ?? 0) + 1)
    reused += [...perConnection.values()].filter((n) => n > 1).length
    sessions.push(s)
  }
  return { results, reused, sessions }
}

describe('impostor servers under load (real emulator, racing TLS clients, busy CPU)', () => {
  it(`gives the same verdicts ${ROUNDS} rounds in a row: PASS for a verifying client, FAIL for one that trusts anything`, async () => {
    const [conformant, flawed] = await Promise.all([rounds(false), rounds(true)])

    const verdicts = (r: UnitResult[][]) => r.map((round) => round.map((u) => `${u.variant}: ${u.verdict}`))
    const explain = (r: UnitResult[][]) =>
      JSON.stringify(
        r.flat().map((u) => [u.variant, u.verdict, u.reason]),
        null,
        1,
      )
    expect(verdicts(conformant.results), explain(conformant.results)).toEqual(
      Array.from({ length: ROUNDS }, () => IMPOSTORS.map((v) => `${v}: PASS`)),
    )
    expect(verdicts(flawed.results), explain(flawed.results)).toEqual(
      Array.from({ length: ROUNDS }, () => IMPOSTORS.map((v) => `${v}: FAIL`)),
    )
    // The FAIL names the request, its evidence entry and the certificate it came in under.
    for (const u of flawed.results.flat()) {
      expect(u.reason).toMatch(
        /sent (GET \/\S+ \(E\d{6}\)(, )?)+ on connections accepted under the impostor's certificate sha256:[0-9a-f]{64}$/,
      )
      for (const id of u.reason.match(/E\d{6}/g)!) expect(u.evidence).toContain(id)
    }
    // The verifying client never got a request through to an impostor certificate.
    const genuine = certificateFingerprint((await genuineTls()).certPem)
    for (const s of conformant.sessions) {
      expect((await s.emulator()).hits().filter((h) => h.tls?.certificateSha256 !== genuine)).toEqual([])
    }
    expect(conformant.reused + flawed.reused).toBeGreaterThan(0)
  }, 60_000)
})
