import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { beforeAll, describe, expect, it } from 'vitest'
import { EmulatorConfigError, UpdateServerEmulator, emulatorOptions, updateServerTiming } from '../../emulator/index.ts'
import { createCa, issueServerCert, type Pki } from '../../fixtures/certs.ts'
import type { EmulatorRoute, UpdateServerConfig } from '../../profile/types.ts'
import { agent, fetchRaw, HOST, sleep, startEmulator, tempDir } from './helpers.ts'

const routes: EmulatorRoute[] = [
  {
    name: 'check',
    method: 'GET',
    path: '/check',
    status: 200,
    body: '{"interval":"{{announceInterval}}","seconds":{{announceIntervalSeconds}}}',
  },
]

let ca: Pki
let server: Pki
beforeAll(async () => {
  ca = await createCa('ts701 contact test CA')
  server = await issueServerCert(ca, { hosts: ['127.0.0.1'] })
})

describe('waitForFirstContact', () => {
  it('resolves undefined at the timeout when the device never shows up, and on close', async () => {
    const emu = await startEmulator(routes, { announceInterval: 'PT1M' })
    const started = Date.now()
    expect(await emu.waitForFirstContact(100)).toBeUndefined()
    expect(Date.now() - started).toBeGreaterThanOrEqual(90)
    const waiting = emu.waitForFirstContact(60_000)
    await emu.close()
    expect(await waiting).toBeUndefined()
  })

  it('resolves with the first request once it is answered, and at once after that', async () => {
    const emu = await startEmulator(routes, { announceInterval: 'PT1M' })
    const waiting = emu.waitForFirstContact(5_000)
    await sleep(20)
    await fetchRaw(`${emu.url}/check?serial=S1`)
    const contact = await waiting
    expect(contact).toMatchObject({ kind: 'request', hit: { route: 'check', query: { serial: 'S1' } } })
    await fetchRaw(`${emu.url}/check?serial=S2`)
    expect(await emu.waitForFirstContact(0)).toEqual(contact)
  })

  it('counts a TLS handshake as contact, before any request', async () => {
    const emu = await startEmulator(routes, { tls: server, announceInterval: 'PT1M' })
    const waiting = emu.waitForFirstContact(5_000)
    const { port } = new URL(emu.url)
    const socket = tlsConnect({
      host: HOST,
      port: Number(port),
      ca: ca.certPem,
      servername: 'localhost',
      checkServerIdentity: () => undefined,
    })
    socket.on('error', () => {})
    expect(await waiting).toMatchObject({ kind: 'handshake', remote: '127.0.0.1' })
    socket.destroy()
  })

  it('counts a device that breaks the handshake off over the certificate as contact', async () => {
    const emu = await startEmulator(routes, { tls: server, announceInterval: 'PT1M' })
    const waiting = emu.waitForFirstContact(5_000)
    // No CA: the client refuses the certificate, so no request ever comes. Node reports the
    // refusal as a protocol error and as a failed handshake; whichever comes first is the contact.
    await fetchRaw(`${emu.url}/check`, { dispatcher: agent({ connect: { rejectUnauthorized: true } }) }).catch(() => undefined)
    const contact = await waiting
    expect(['handshake', 'client-error']).toContain(contact?.kind)
    expect(emu.hits()).toEqual([])
  })

  it('counts a TLS client on a plain listener (a protocol error) as contact', async () => {
    const emu = await startEmulator(routes, { announceInterval: 'PT1M' })
    const { port } = new URL(emu.url)
    const socket = tlsConnect({ host: HOST, port: Number(port), rejectUnauthorized: false })
    socket.on('error', () => {})
    expect(await emu.waitForFirstContact(5_000)).toMatchObject({ kind: 'client-error', error: { remote: '127.0.0.1' } })
    socket.destroy()
  })
})

describe('waitForContact', () => {
  it('wakes at every contact, not only the first, and says false when nothing came in time', async () => {
    const emu = await startEmulator(routes, { tls: server, announceInterval: 'PT1M' })
    const trusting = agent({ connect: { ca: ca.certPem, servername: 'localhost', checkServerIdentity: () => undefined } })
    expect(await emu.waitForContact(50)).toBe(false)
    for (const serial of ['S1', 'S2']) {
      const waiting = emu.waitForContact(5_000)
      await sleep(20)
      await fetchRaw(`${emu.url}/check?serial=${serial}`, { dispatcher: trusting })
      expect(await waiting).toBe(true)
    }
    // A refused handshake is a move of the device too, with no request.
    const refused = emu.waitForContact(5_000)
    await fetchRaw(`${emu.url}/check`, { dispatcher: agent({ connect: { rejectUnauthorized: true } }) }).catch(() => undefined)
    expect(await refused).toBe(true)
    expect(emu.hits().map((h) => h.query)).toEqual([{ serial: 'S1' }, { serial: 'S2' }])
    const waiting = emu.waitForContact(60_000)
    await emu.close()
    expect(await waiting).toBe(false)
    expect(await emu.waitForContact(60_000)).toBe(false)
  })
})

describe('announce and wait intervals', () => {
  it('announces announceInterval, and pollInterval under its old name', async () => {
    for (const options of [{ announceInterval: 'PT6H' }, { pollInterval: 'PT6H' }, { announceInterval: 'PT6H', pollInterval: 'PT360M' }]) {
      const emu = await startEmulator(routes, options)
      expect(JSON.parse((await fetchRaw(`${emu.url}/check`)).text)).toEqual({ interval: 'PT6H', seconds: 21_600 })
    }
  })

  it('refuses an announceInterval and a pollInterval that disagree', async () => {
    const error = await UpdateServerEmulator.start({
      host: HOST,
      port: 0,
      routes,
      imagePath: '/fw/x',
      announceInterval: 'PT1H',
      pollInterval: 'P1D',
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EmulatorConfigError)
    expect((error as Error).message).toMatch(/announceInterval "PT1H" and its old name pollInterval "P1D" disagree/)
  })

  it('waits the announced interval unless waitInterval says otherwise; firstContactTimeout means listening at start', () => {
    expect(updateServerTiming({ announceInterval: 'PT1H' })).toEqual({
      announceInterval: 'PT1H',
      announceSeconds: 3_600,
      waitInterval: 'PT1H',
      waitSeconds: 3_600,
      listenAtStart: false,
    })
    expect(updateServerTiming({ pollInterval: 'P1D', waitInterval: 'PT30M', firstContactTimeout: 'PT10M' })).toEqual({
      announceInterval: 'P1D',
      announceSeconds: 86_400,
      waitInterval: 'PT30M',
      waitSeconds: 1_800,
      firstContactTimeout: 'PT10M',
      firstContactSeconds: 600,
      listenAtStart: true,
    })
    expect(updateServerTiming({ waitInterval: 'PT5M', listenAtStart: true })).toEqual({
      waitInterval: 'PT5M',
      waitSeconds: 300,
      listenAtStart: true,
    })
    expect(updateServerTiming({})).toEqual({ listenAtStart: false })
  })
})

describe('starting from the profile', () => {
  const section = (extra: Partial<UpdateServerConfig> = {}): UpdateServerConfig => ({
    host: HOST,
    port: 0,
    imagePath: '/images/{{image.name}}',
    routes,
    announceInterval: 'PT1H',
    waitInterval: 'PT2H',
    ...extra,
  })

  it('reads the TLS files and passes the announce interval', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'cert.pem'), server.certPem)
    await writeFile(join(dir, 'key.pem'), server.keyPem)
    const options = await emulatorOptions(section({ tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') } }), {
      firstOfferId: 1,
    })
    expect(options).toMatchObject({ host: HOST, port: 0, announceInterval: 'PT1H', firstOfferId: 1, tls: server })
    expect(options).not.toHaveProperty('waitInterval')
    const emu = await UpdateServerEmulator.fromProfile(section())
    try {
      expect(JSON.parse((await fetchRaw(`${emu.url}/check`)).text)).toEqual({ interval: 'PT1H', seconds: 3_600 })
    } finally {
      await emu.close()
    }
  })

  it('names a TLS file it cannot read', async () => {
    const dir = await tempDir()
    const error = await emulatorOptions(section({ tls: { certFile: join(dir, 'missing.pem'), keyFile: join(dir, 'k.pem') } })).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(EmulatorConfigError)
    expect((error as Error).message).toMatch(/cannot read the update server certificate .*missing\.pem/)
  })
})
