import { readFile, stat } from 'node:fs/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { runSim, SIM_DEFAULTS } from '../../sim/command.ts'
import { FLAW_NAMES } from '../../sim/flaws.ts'
import { Api, StubUpdateServer, waitFor } from './helpers.ts'

function capture() {
  const out: string[] = []
  const err: string[] = []
  return { out, err, io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) } }
}

describe('ts701 sim', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts701-sim-cli-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('--list-flaws prints one "name  description" line per flaw', async () => {
    const c = capture()
    expect(await runSim({ flaws: [], listFlaws: true }, c.io)).toBe(0)
    expect(c.out.map((l) => l.split(/\s{2,}/)[0])).toEqual([...FLAW_NAMES])
    expect(c.out.every((l) => /^\S+\s{2,}\S/.test(l))).toBe(true)
  })

  it('refuses an unknown flaw with exit code 3 and the known names', async () => {
    const c = capture()
    expect(await runSim({ flaws: ['no-such-flaw'], listFlaws: false, dir }, c.io)).toBe(3)
    expect(c.err.join('\n')).toMatch(/unknown flaw no-such-flaw; known flaws: accept-unsigned/)
  })

  it('runs until stopped, prints where to reach it, and keeps the password in a 0600 env file only', async () => {
    const c = capture()
    const stop = new AbortController()
    const running = runSim(
      {
        flaws: ['wrong-model'],
        listFlaws: false,
        port: 0,
        updateServerPort: 0,
        timeScale: 432_000,
        dir,
        signal: stop.signal,
        verbose: true,
      },
      c.io,
    )
    await waitFor(() => c.out.some((l) => l.includes('stop with Ctrl+C')))

    const envFile = join(dir, 'sim.env')
    expect((await stat(envFile)).mode & 0o777).toBe(0o600)
    const password = /^TS701_SIM_PASSWORD=(.+)$/m.exec(await readFile(envFile, 'utf8'))![1]!
    const text = c.out.join('\n')
    expect(text).toMatch(/device API\s+http:\/\/127\.0\.0\.1:\d+/)
    expect(text).toMatch(/update server\s+https:\/\/127\.0\.0\.1:\d+/)
    expect(text).toContain(`DUT profile    ${join(dir, 'dut.yaml')}`)
    expect(text).toMatch(/TS701_SIM_PASSWORD is set in .*sim\.env/)
    expect(text).toMatch(/ts701 run --assessment examples\/reference-dut --dut .*dut\.yaml/)
    expect(text).toContain('flaws: wrong-model')

    const apiUrl = /device API\s+(\S+)/.exec(text)![1]!
    const api = new Api(apiUrl, password)
    try {
      expect((await api.get('/api/info')).json.model).toBe('TS701-REF-2')
      expect((await api.get('/api/settings')).status).toBe(200)
      expect((await api.call('GET', '/api/settings', { auth: 'guess' })).status).toBe(401)
    } finally {
      await api.close()
    }

    stop.abort()
    expect(await running).toBe(0)
    expect(c.out.at(-1)).toBe('stopping the reference DUT')
    expect([...c.out, ...c.err].join('\n')).not.toContain(password)
    // The folder was given, so it stays (with the profile) after the run.
    expect((await stat(join(dir, 'dut.yaml'))).isFile()).toBe(true)
  })
})

describe('ts701 sim --channel', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ts701-sim-cli-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  async function running(options: Partial<Parameters<typeof runSim>[0]>) {
    const c = capture()
    const stop = new AbortController()
    const done = runSim(
      { flaws: [], listFlaws: false, port: 0, updateServerPort: 0, timeScale: 432_000, dir, signal: stop.signal, ...options },
      c.io,
    )
    await waitFor(() => c.out.some((l) => l.includes('stop with Ctrl+C')) || c.err.length > 0)
    return {
      c,
      stop: async () => {
        stop.abort()
        return done
      },
    }
  }

  it('uses the documented default ports', () => {
    expect(SIM_DEFAULTS).toMatchObject({ port: 8701, updateServerPort: 8702, brokerPort: 1883, consolePort: 8703, channel: 'http' })
  })

  it('mqtt: starts an embedded broker, prints it and writes an MQTT profile', async () => {
    const { c, stop } = await running({ channel: 'mqtt', brokerPort: 0 })
    const text = c.out.join('\n')
    expect(text).toMatch(/channel\s+mqtt \(the HTTP API below runs too\)/)
    expect(text).toMatch(
      /MQTT broker\s+mqtt:\/\/127\.0\.0\.1:\d+\s+\(embedded; client ts701-ts701-ref-hw1, topics ts701\/ts701-ref-hw1\/#\)/,
    )
    const broker = /MQTT broker\s+(\S+)/.exec(text)![1]!
    expect(parse(await readFile(join(dir, 'dut.yaml'), 'utf8')).adapter).toMatchObject({ kind: 'mqtt', url: broker, qos: 1 })
    expect(await stop()).toBe(0)
  })

  it('serial: prints the console and writes a serial profile (pty when asked)', async () => {
    const { c, stop } = await running({ channel: 'serial', consolePort: 0, pty: true })
    const text = c.out.join('\n')
    expect(text).toMatch(/console\s+tcp:\/\/127\.0\.0\.1:\d+\s+\(raw TCP, as ser2net exports a serial port; prompt "ts701> ", no login\)/)
    expect(text).toMatch(/serial port\s+\S*tty-dut\s+\(pseudo-terminal via socat, 115200 baud\)/)
    expect(parse(await readFile(join(dir, 'dut.yaml'), 'utf8')).adapter).toMatchObject({
      kind: 'serial',
      port: join(dir, 'tty-dut'),
      baudRate: 115_200,
    })
    expect(await stop()).toBe(0)
  })

  it('refuses an unknown channel and --broker without mqtt', async () => {
    const c = capture()
    expect(await runSim({ flaws: [], listFlaws: false, dir, channel: 'carrier-pigeon' as never }, c.io)).toBe(3)
    expect(c.err.join('\n')).toMatch(/unknown channel carrier-pigeon; channels: http, mqtt, serial/)
    expect(await runSim({ flaws: [], listFlaws: false, dir, brokerUrl: 'mqtt://127.0.0.1:1883' }, c.io)).toBe(3)
  })
})

describe('credentials', () => {
  it('never appear in anything the device logs or writes besides the env', async () => {
    const { startDevice } = await import('./helpers.ts')
    const h = await startDevice()
    const server = await StubUpdateServer.start(h.setup.updateServerUrl, h.setup.tls.server)
    try {
      const password = h.setup.env.TS701_SIM_PASSWORD!
      expect(password.length).toBeGreaterThanOrEqual(16)
      server.offer(h.setup.images.valid, '1.1.0')
      await h.api.call('GET', '/api/settings', { auth: `${password}x` })
      await h.api.put('/api/settings', { autoUpdate: false })
      await h.api.post('/api/update/check')
      await h.api.status((s) => s.state === 'pending-user')
      await h.api.post('/api/update/install-pending')
      await h.api.status((s) => s.state === 'installed')
      await h.api.post('/api/factory-reset')

      const serviceLog = (await h.api.get('/api/service/log')).text
      const everything = [
        JSON.stringify(h.logged),
        serviceLog,
        await readFile(h.setup.profileFile, 'utf8'),
        JSON.stringify((await h.api.get('/api/notifications')).json),
        JSON.stringify((await h.api.get('/api/update/status')).json),
      ].join('\n')
      expect(h.logged.some((e) => e.topic === 'api' && e.message.startsWith('GET /api/settings → 401'))).toBe(true)
      expect(everything).not.toContain(password)
      expect(everything).not.toContain(Buffer.from(`admin:${password}`).toString('base64'))
      expect(everything.toLowerCase()).not.toContain('authorization')
    } finally {
      await server.close()
      await h.close()
    }
  })
})
