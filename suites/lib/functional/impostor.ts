import { readFile } from 'node:fs/promises'
import type { ClientError, HandshakeFailure, Hit, TlsMaterial, UpdateServerEmulator } from '../../../emulator/index.ts'
import { certificateFingerprint } from '../../../emulator/tls.ts'
import type { ImpostorCertificate } from '../../../fixtures/certs.ts'
import type { Observation } from '../../../harness/functional.ts'
import { currentVersion, versionSince } from './deliver.ts'
import type { Session } from './session.ts'
import { pollWaitMs, watchStepMs } from './timing.ts'

async function certificates(s: Session): Promise<ImpostorCertificate[]> {
  return s.once('impostor-certificates', async () => {
    const tls = s.profile.updateServer!.tls!
    const trustedCa =
      tls.caCertFile && tls.caKeyFile
        ? { certPem: await readFile(tls.caCertFile, 'utf8'), keyPem: await readFile(tls.caKeyFile, 'utf8') }
        : undefined
    // The PKI code loads when an impostor is first needed, not with every suite file.
    const { impostorCertificates } = await import('../../../fixtures/certs.ts')
    return impostorCertificates({ host: s.profile.updateServer!.host, ...(trustedCa && { trustedCa }) })
  })
}

/** Whose certificate a connection was accepted under, from `since` on. */
interface Under {
  certificateSha256: string
  since: number
  /**
   * When the lab's own check-now step ended, where the bench did it: the step may have restarted
   * the device, so a connection accepted before then that broke off may have been cut by the
   * restart rather than refused by the device.
   */
  stepEnd?: number
}

type Tagged = Pick<HandshakeFailure, 'certificateSha256' | 'acceptedAt'>

/**
 * The proof a record belongs to the experiment: its connection was accepted under that very
 * certificate, after the swap. Arrival time alone is no proof: a request on a connection made
 * before the swap (a keep-alive one, a check in flight) arrives after it under the old certificate.
 */
const accepted = (t: Tagged | undefined, u: Under): boolean =>
  t?.certificateSha256 === u.certificateSha256 && t.acceptedAt !== undefined && t.acceptedAt >= u.since

/** What the device did on the connections the impostor's listener accepted with the impostor's certificate. */
interface UnderImpostor {
  requests: Hit[]
  /** Connections that carried no request: alert, reset, silent close, or held open. */
  refusals: HandshakeFailure[]
  /** Connections that sent something other than a request after the handshake. */
  garbled: ClientError[]
  /** Connections that broke off or sent garbage while the lab's check-now step ran: left out above. */
  cut: number
  connections: number
  handshakes: number
}

/** Accepted under the impostor, and not while the lab's step may have cut it off. */
const afterStep = (t: Tagged, u: Under): boolean => accepted(t, u) && (u.stepEnd === undefined || t.acceptedAt! >= u.stepEnd)

function underImpostor(emulator: UpdateServerEmulator, u: Under): UnderImpostor {
  // A request is the device's own doing whenever it came; a broken-off connection only after the step.
  const requests = emulator.hits().filter((h) => accepted(h.tls, u))
  const failures = emulator.handshakeFailures().filter((f) => accepted(f, u))
  const errors = emulator.clientErrors().filter((e) => accepted(e, u))
  const refusals = failures.filter((f) => afterStep(f, u))
  const garbled = errors.filter((e) => afterStep(e, u))
  // Every record of the emulator names its connection; one without stands for a connection of its own.
  let untagged = 0
  const ids = (xs: Array<{ connection?: number }>) => xs.map((x) => x.connection ?? `untagged ${++untagged}`)
  const completed = refusals.filter((f) => f.stage !== 'handshake')
  return {
    requests,
    refusals,
    garbled,
    cut: failures.length + errors.length - refusals.length - garbled.length,
    connections: new Set([...ids(requests.map((h) => h.tls!)), ...ids(refusals), ...ids(garbled)]).size,
    handshakes: new Set([...ids(requests.map((h) => h.tls!)), ...ids(completed), ...ids(garbled)]).size,
  }
}

const quoted = (h: Hit): string => {
  const query = new URLSearchParams(h.query).toString()
  return `${h.method} ${h.path}${query ? `?${query}` : ''} (${h.id})`
}

/** The requests with their evidence IDs and the certificate they came in under. */
const sent = (seen: UnderImpostor, u: Under): string =>
  `sent ${seen.requests.map(quoted).join(', ')} on connections accepted under the impostor's certificate ${u.certificateSha256}`

/** One harness entry per impostor: what the device did with it, in numbers. */
function summarize(s: Session, variant: string, u: Under, seen: UnderImpostor): void {
  const { connections, handshakes, requests, refusals, garbled } = seen
  s.evidence.record({
    channel: 'harness',
    summary: `impostor ${variant} (certificate ${u.certificateSha256}): ${connections} connection(s), ${handshakes} TLS handshake(s) completed, ${requests.length} request(s)`,
    detail: {
      variant,
      certificateSha256: u.certificateSha256,
      since: u.since,
      connections,
      handshakes,
      requests: requests.map((h) => ({ id: h.id, method: h.method, path: h.path, connection: h.tls?.connection })),
      refusals: refusals.map((f) => ({ connection: f.connection, stage: f.stage, error: f.error })),
      ...(garbled.length > 0 && { garbled: garbled.map((e) => ({ connection: e.connection, error: e.error })) }),
    },
  })
}

/**
 * The positive control: after the swap back, the device gets through to the genuine certificate.
 * Without it a device that trusts nothing at all (its updates broken) would pass as refusing.
 */
async function reachesGenuine(s: Session, emulator: UpdateServerEmulator, u: Under): Promise<Hit | undefined> {
  const genuine = (h: Hit): boolean => accepted(h.tls, u)
  const already = await emulator.waitForHit(genuine, { timeoutMs: 0, since: u.since })
  if (already) return already
  if (s.supportsAction('check-now')) await s.act('check-now')
  return emulator.waitForHit(genuine, { timeoutMs: pollWaitMs(s), since: u.since })
}

/**
 * Offers the valid image with the impostor's certificate in place until the device has shown what
 * it does. Returns what counts as under the impostor (with the end of a bench check-now step) and
 * when the genuine certificate came back.
 */
async function underSwap(
  s: Session,
  emulator: UpdateServerEmulator,
  impostor: TlsMaterial,
  genuine: TlsMaterial,
  since: Under,
): Promise<{ u: Under; back: number }> {
  let back: number
  let u = since
  await emulator.setTls(impostor)
  try {
    const valid = await s.valid()
    await emulator.offer(valid, { valid })
    if (s.supportsAction('check-now')) {
      const acted = await s.act('check-now')
      if (acted.by !== 'operation') u = { ...u, stepEnd: acted.doneAt }
    }
    const waitMs = pollWaitMs(s)
    const step = watchStepMs(s)
    const firstSignBy = Date.now() + waitMs
    // Until the first sign, then on while the device keeps at it (a retry after a refusal, the
    // download after an accepted check): done once two watch steps pass without a new record, or
    // four after the first sign for a device that never lets up (it checks in a loop).
    let count = 0
    let quietSince = 0
    let busyUntil = 0
    for (;;) {
      const seen = underImpostor(emulator, u)
      const now = seen.requests.length + seen.refusals.length + seen.garbled.length
      if (now !== count) {
        if (count === 0) busyUntil = Date.now() + 4 * step
        count = now
        quietSince = Date.now()
      }
      const until = count === 0 ? firstSignBy : Math.min(quietSince + 2 * step, busyUntil)
      if (Date.now() >= until) break
      // Looks again at the device's next move, or when the time is up.
      await emulator.waitForContact(until - Date.now())
    }
  } finally {
    emulator.withdraw()
    // Before the swap: what is accepted from here on under the genuine certificate counts as back.
    back = Date.now()
    // Closes what is still open under the impostor (a held-open connection is recorded as refused).
    await emulator.setTls(genuine)
  }
  return { u, back }
}

/**
 * Presents an impostor certificate on the update server's address while offering the valid
 * image. The device must refuse the server: no request on a connection made with the impostor's
 * certificate, and, with the genuine certificate back, it still answers and reaches the server.
 */
async function present(s: Session, variant: string): Promise<Observation> {
  const server = s.profile.updateServer
  if (!server?.tls)
    return {
      verdict: 'INCONCLUSIVE',
      reason: 'the DUT profile has the update server on plain HTTP; give updateServer.tls to test impostors',
    }
  const impostor = (await certificates(s)).find((c) => c.name === variant)
  if (!impostor) {
    return {
      verdict: 'INCONCLUSIVE',
      reason: `a ${variant} impostor needs the CA the DUT trusts (updateServer.tls.caCertFile and caKeyFile)`,
    }
  }
  const emulator = await s.emulator()
  const genuine = { certPem: await readFile(server.tls.certFile, 'utf8'), keyPem: await readFile(server.tls.keyFile, 'utf8') }
  const mark = s.evidence.mark()
  const before = await currentVersion(s)
  const { u, back } = await underSwap(s, emulator, impostor.tls, genuine, {
    certificateSha256: certificateFingerprint(impostor.tls.certPem),
    since: Date.now(),
  })
  const seen = underImpostor(emulator, u)
  summarize(s, variant, u, seen)
  // The version wherever the profile says the device tells it, not only through an identify API.
  // A device that did not even connect under the impostor has taken nothing from it: its latest
  // report stands, and nothing obliges it to report again.
  const quiet = seen.requests.length + seen.refusals.length + seen.garbled.length === 0
  const reading = await versionSince(s, quiet ? undefined : back)
  const after = reading.observed ? reading.value : undefined
  const evidence = () => s.evidence.since(mark).map((e) => e.id)
  const what = `an impostor server (${impostor.description})`

  if (seen.requests.length > 0) {
    const installed =
      after !== undefined && after !== before.version ? `installed an image from ${what}: ${before.version} → ${after}, and ` : ''
    const reason = installed ? `${installed}${sent(seen, u)}` : `completed a TLS handshake with ${what} and ${sent(seen, u)}`
    return { verdict: 'FAIL', reason, evidence: evidence() }
  }
  if (after !== undefined && after !== before.version) {
    return {
      verdict: 'INCONCLUSIVE',
      reason: `the version changed (${before.version} → ${after}) while the impostor (${variant}) was in place, but no request reached it on a connection accepted under its certificate`,
      evidence: evidence(),
    }
  }
  if (seen.garbled.length > 0) {
    return {
      verdict: 'INCONCLUSIVE',
      reason: `sent something other than an HTTP request over TLS with the impostor's certificate (${variant}): ${seen.garbled[0]!.error}`,
      evidence: evidence(),
    }
  }
  if (seen.refusals.length === 0) {
    return {
      verdict: 'INCONCLUSIVE',
      reason: seen.cut
        ? `the device's only connection attempts under the impostor (${seen.cut}) broke off while the bench step check-now ran, which may have restarted it: they may have been cut rather than refused`
        : 'the DUT made no connection attempt to the update server during the test',
      evidence: evidence(),
    }
  }
  if (!reading.observed) {
    return {
      verdict: 'INCONCLUSIVE',
      reason: `the device stopped answering after refusing the impostor (${variant}): ${reading.reason}`,
      evidence: evidence(),
    }
  }
  const control = await reachesGenuine(s, emulator, { certificateSha256: certificateFingerprint(genuine.certPem), since: back })
  if (!control) {
    return {
      verdict: 'INCONCLUSIVE',
      reason: `refused the impostor server (${variant}), but made no request to the genuine update server afterwards either, within ${pollWaitMs(s)} ms: refusing every certificate is no proof of checking it`,
      evidence: evidence(),
    }
  }
  return { verdict: 'PASS', reason: `refused the impostor server: ${seen.refusals[0]!.error}; nothing was fetched`, evidence: evidence() }
}

export function impostorResult(s: Session, mechanism: string, variant: string): Promise<Observation> {
  return s.once(`impostor:${mechanism}:${variant}`, () => present(s, variant))
}
