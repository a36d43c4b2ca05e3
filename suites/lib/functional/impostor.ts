import { readFile } from 'node:fs/promises'
import { impostorCertificates, type ImpostorCertificate } from '../../../fixtures/certs.ts'
import type { Observation } from '../../../harness/functional.ts'
import { currentVersion, versionSince } from './deliver.ts'
import type { Session } from './session.ts'
import { pollWaitMs, sleep } from './timing.ts'

async function certificates(s: Session): Promise<ImpostorCertificate[]> {
  return s.once('impostor-certificates', async () => {
    const tls = s.profile.updateServer!.tls!
    const trustedCa =
      tls.caCertFile && tls.caKeyFile
        ? { certPem: await readFile(tls.caCertFile, 'utf8'), keyPem: await readFile(tls.caKeyFile, 'utf8') }
        : undefined
    return impostorCertificates({ host: s.profile.updateServer!.host, ...(trustedCa && { trustedCa }) })
  })
}

/**
 * Presents an impostor certificate on the update server's address while offering the valid
 * image. The device must refuse the server: the handshake fails and nothing is fetched.
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
  const since = Date.now()
  await emulator.setTls({ certPem: impostor.tls.certPem, keyPem: impostor.tls.keyPem })
  try {
    const valid = await s.valid()
    await emulator.offer(valid, { valid })
    if (s.supportsAction('check-now')) await s.act('check-now')
    const deadline = Date.now() + pollWaitMs(s)
    while (Date.now() < deadline) {
      if (emulator.handshakeFailures().some((f) => f.time >= since) || emulator.hits().some((h) => h.time >= since)) break
      await sleep(100)
    }
    await sleep(500)
  } finally {
    emulator.withdraw()
    await emulator.setTls(genuine)
  }
  const hits = emulator.hits().filter((h) => h.time >= since)
  const refused = emulator.handshakeFailures().filter((f) => f.time >= since)
  // The version wherever the profile says the device tells it, not only through an identify API.
  const reading = await versionSince(s, since)
  const after = reading.observed ? reading.value : undefined
  const evidence = s.evidence.since(mark).map((e) => e.id)
  if (after !== undefined && after !== before.version) {
    return {
      verdict: 'FAIL',
      reason: `installed an image from an impostor server (${impostor.description}): ${before.version} → ${after}`,
      evidence,
    }
  }
  if (hits.length > 0) {
    return {
      verdict: 'FAIL',
      reason: `completed a TLS handshake with an impostor server (${impostor.description}) and sent ${hits.map((h) => `${h.method} ${h.path}`).join(', ')}`,
      evidence,
    }
  }
  if (refused.length > 0) {
    return { verdict: 'PASS', reason: `refused the impostor server: ${refused[0]!.error}; nothing was fetched`, evidence }
  }
  return { verdict: 'INCONCLUSIVE', reason: 'the DUT made no connection attempt to the update server during the test', evidence }
}

export function impostorResult(s: Session, mechanism: string, variant: string): Promise<Observation> {
  return s.once(`impostor:${mechanism}:${variant}`, () => present(s, variant))
}
