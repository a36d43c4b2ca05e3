import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { OPERATIONS, deviceOnPty, deviceOnTcp, dutFor, imageFile, profile, rejection, sleep, tempDir } from './helpers.ts'

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)
beforeEach(() => {
  unhandled.length = 0
  process.on('unhandledRejection', onUnhandled)
})
afterEach(async () => {
  // Give stray promises of the adapter the chance to surface before judging.
  await sleep(50)
  process.off('unhandledRejection', onUnhandled)
  expect(unhandled).toEqual([])
})

const fast = { timeouts: { defaultMs: 400, operations: {} } }

describe('a console that misbehaves', () => {
  it('garbage instead of an answer, then the prompt: E_DUT_PROTOCOL with an excerpt of what came', async () => {
    const { pair } = await deviceOnPty({ commands: { identify: () => ['\x00\x1b[31m#$%@!\x07 ¿¿ checksum error 0xdead', 'zz\x01zz'] } })
    const { dut } = dutFor(profile(pair.a))
    const err = await rejection(dut.identify())
    expect(err).toMatchObject({ code: 'E_DUT_PROTOCOL' })
    expect(err.message).toBe(
      `identify: the device answered "identify" with "#$%@! ¿¿ checksum error 0xdead zzzz" instead of /${OPERATIONS.identify!.expect}/`,
    )
  })

  it('garbage and no prompt: E_DUT_TIMEOUT saying what the console printed', async () => {
    const { pair } = await deviceOnPty({ commands: { identify: (_, d) => d.write('\x1b[2J\x1b[Hbooting\x00\x00 .....') } })
    const { dut } = dutFor(profile(pair.a, OPERATIONS, fast))
    const err = await rejection(dut.identify())
    expect(err).toMatchObject({ code: 'E_DUT_TIMEOUT' })
    expect(err.message).toMatch(
      /^identify: no answer to "identify" matching \/.*\/ within 400 ms; the console printed "booting \.\.\.\.\."$/,
    )
  })

  it('a console that stops answering: E_DUT_TIMEOUT within the budget', async () => {
    const { device, pair } = await deviceOnPty()
    const { dut } = dutFor(profile(pair.a, OPERATIONS, { timeouts: { defaultMs: 1500, operations: { identify: 300 } } }))
    await dut.readSettings()
    device.state = { kind: 'deaf' }
    const started = Date.now()
    const err = await rejection(dut.identify())
    const took = Date.now() - started
    expect(err).toMatchObject({ code: 'E_DUT_TIMEOUT', message: expect.stringMatching(/within 300 ms; the console stayed silent$/) })
    expect(took).toBeGreaterThanOrEqual(290)
    expect(took).toBeLessThan(800)
    // A per-exchange timeout wins over the operation's.
    await dut.close()
    const ex = dutFor(
      profile(pair.a, { identify: { ...OPERATIONS.identify!, timeoutMs: 150 } }, { timeouts: { defaultMs: 5000, operations: {} } }),
    )
    const t2 = Date.now()
    expect(await rejection(ex.dut.identify())).toMatchObject({ code: 'E_DUT_TIMEOUT' })
    expect(Date.now() - t2).toBeLessThan(800)
  })

  it('operations asked for at the same time run one after the other', async () => {
    const { device, pair } = await deviceOnPty()
    const { dut } = dutFor(profile(pair.a))
    const [identity, settings, notifications] = await Promise.all([dut.identify(), dut.readSettings(), dut.readNotifications()])
    expect(identity.version).toBe('1.4.2')
    expect(settings.automaticUpdates).toBe(true)
    expect(notifications).toHaveLength(3)
    expect(device.commands).toEqual(['identify', 'settings', 'notifications'])
  })
})

describe('a port that goes away', () => {
  it('the pty disappears mid-operation: E_DUT_UNREACHABLE at once, and later operations fail to reopen, clearly', async () => {
    const { device, pair } = await deviceOnPty()
    const { dut, entries } = dutFor(profile(pair.a, OPERATIONS, { timeouts: { defaultMs: 5000, operations: {} } }))
    await dut.identify()
    device.state = { kind: 'deaf' }
    const pending = rejection(dut.identify())
    await sleep(150)
    const killed = Date.now()
    await pair.close()
    const err = await pending
    expect(Date.now() - killed).toBeLessThan(1000)
    expect(err).toMatchObject({
      code: 'E_DUT_UNREACHABLE',
      message: `identify: the serial port ${pair.a} closed (the device disconnected)`,
    })
    expect(entries().map((e) => e.summary)).toContain(`the serial port ${pair.a} closed (the device disconnected)`)
    const again = await rejection(dut.readSettings())
    expect(again).toMatchObject({
      code: 'E_DUT_UNREACHABLE',
      message: `read-settings: cannot open the serial port ${pair.a} (no such file or directory)`,
    })
  })

  it('the pty disappears in the middle of a transfer: deliver-image throws E_DUT_UNREACHABLE', async () => {
    const image = await imageFile(await tempDir(), 'fw', 4 * 1024 * 1024)
    const { device, pair } = await deviceOnPty()
    const original = device.feed.bind(device)
    let closing: Promise<void> | undefined
    device.feed = (data) => {
      original(data)
      if (device.state.kind === 'base64' && device.state.lines >= 50) closing ??= pair.close()
    }
    const { dut, entries } = dutFor(
      profile(pair.a, {
        'deliver-image': {
          mode: 'base64-lines',
          begin: { send: 'upload begin {{image.size}}', expect: 'READY' },
          lineBytes: 1536,
          end: { send: 'upload end', expect: 'ok' },
        },
      }),
    )
    const err = await rejection(dut.deliverImage(image))
    expect(err).toMatchObject({
      code: 'E_DUT_UNREACHABLE',
      message: expect.stringMatching(new RegExp(`^deliver-image: the serial port ${pair.a} closed \\(`)),
    })
    // How far it got is in evidence.
    const transfer = entries().find((e) => e.detail?.event === 'transfer')
    expect(transfer?.summary).toMatch(/ — failed after \d+ of 4194304 bytes: deliver-image: the serial port .* closed/)
    expect(transfer?.detail?.bytes as number).toBeLessThan(image.size)
  })

  /** A 4 MiB raw upload to a device that stops reading after 10 000 bytes of it. */
  async function stallingUpload() {
    const image = await imageFile(await tempDir(), 'fw', 4 * 1024 * 1024)
    const { device, pair } = await deviceOnPty({ echo: false })
    const raw = {
      mode: 'raw' as const,
      begin: { send: 'upload raw {{image.size}}', expect: 'READY' },
      end: { send: 'upload end', expect: 'ok' },
    }
    // The upload stalls within the fast default; the device is then given time to answer again,
    // which on a loaded machine can take longer than that.
    const { dut, entries } = dutFor(
      profile(pair.a, { ...OPERATIONS, 'deliver-image': raw }, { timeouts: { ...fast.timeouts, operations: { identify: 5_000 } } }),
    )
    const original = device.feed.bind(device)
    device.feed = (data) => {
      original(data)
      if (device.state.kind === 'raw' && device.state.bytes > 10_000) device.stopReading()
    }
    return { image, device, pair, dut, entries }
  }

  it('a device that stops taking data in the middle of a transfer: E_DUT_TIMEOUT saying how far it got', async () => {
    const { image, pair, dut } = await stallingUpload()
    const started = Date.now()
    const err = await rejection(dut.deliverImage(image))
    expect(err).toMatchObject({ code: 'E_DUT_TIMEOUT' })
    expect(err.message).toMatch(
      new RegExp(
        `^deliver-image: the serial port ${pair.a} did not take the image bytes after \\d+ of 4194304 within 400 ms \\(flow control held it back\\)$`,
      ),
    )
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('after a write that stalled the port is closed, so nothing held back reaches the device later; the next operation opens it again', async () => {
    const { image, device, pair, dut, entries } = await stallingUpload()
    expect(await rejection(dut.deliverImage(image))).toMatchObject({ code: 'E_DUT_TIMEOUT' })
    const summaries = () => entries().map((e) => e.summary)
    expect(summaries()).toContain(
      `closing the serial port ${pair.a}: a write did not finish, and what it still holds must not reach the device later`,
    )
    expect(summaries()).toContain(`the serial port ${pair.a} closed (closed by ts701)`)
    // The device comes back (as after a reset): what was already in the line is dropped while it boots.
    device.state = { kind: 'deaf' }
    device.resumeReading()
    await sleep(300)
    device.state = { kind: 'shell' }
    expect(await dut.identify()).toEqual({ model: 'TS-Cam 3000', version: '1.4.2' })
    expect(summaries().filter((s) => s?.startsWith(`opened the serial port ${pair.a}`))).toHaveLength(2)
  })

  it('after a write that stalled, what the device kept of the cut line is ended before the next command', async () => {
    const { image, device, dut, entries } = await stallingUpload()
    expect(await rejection(dut.deliverImage(image))).toMatchObject({ code: 'E_DUT_TIMEOUT' })
    // The device gives up on the upload (what the port had taken is dropped) but keeps the start
    // of a line whose end never came.
    device.state = { kind: 'deaf' }
    device.resumeReading()
    await sleep(300)
    device.state = { kind: 'shell' }
    device.feed(Buffer.from('QUJDREVG'))
    expect(await dut.identify()).toEqual({ model: 'TS-Cam 3000', version: '1.4.2' })
    // The cut line ran as a command of its own, and the next command was not glued to it.
    expect(device.commands.slice(-2)).toEqual(['QUJDREVG', 'identify'])
    expect(entries().some((e) => e.detail?.direction === 'sent' && e.summary === '→ ')).toBe(true)
  })

  it('the TCP peer resets the connection: E_DUT_UNREACHABLE, and the next operation connects again', async () => {
    const { device, url, server } = await deviceOnTcp()
    const { dut } = dutFor(profile(url))
    await dut.identify()
    device.state = { kind: 'deaf' }
    const pending = rejection(dut.readSettings())
    await sleep(50)
    for (const s of server.sockets) s.resetAndDestroy()
    const err = await pending
    device.state = { kind: 'shell' }
    expect(err).toMatchObject({
      code: 'E_DUT_UNREACHABLE',
      message: `read-settings: the serial port ${url} closed (connection reset by the peer)`,
    })
    expect(await dut.identify()).toEqual({ model: 'TS-Cam 3000', version: '1.4.2' })
  })

  it('a port that is not there: E_DUT_UNREACHABLE naming the port and why', async () => {
    const dir = await tempDir()
    const missing = dutFor(profile(`${dir}/ttyUSB9`, OPERATIONS, fast))
    expect(await rejection(missing.dut.identify())).toMatchObject({
      code: 'E_DUT_UNREACHABLE',
      message: `identify: cannot open the serial port ${dir}/ttyUSB9 (no such file or directory)`,
    })
    const { server } = await deviceOnTcp()
    const port = (server.server.address() as { port: number }).port
    await server.close()
    const refused = dutFor(profile(`tcp://127.0.0.1:${port}`, OPERATIONS, fast))
    expect(await rejection(refused.dut.identify())).toMatchObject({
      code: 'E_DUT_UNREACHABLE',
      message: `identify: cannot open the serial port tcp://127.0.0.1:${port} (connection refused)`,
    })
  })

  it('a port another program holds: E_DUT_UNREACHABLE saying it is locked', async () => {
    const { pair } = await deviceOnPty()
    const first = dutFor(profile(pair.a))
    await first.dut.identify()
    const second = dutFor(profile(pair.a, OPERATIONS, fast))
    expect(await rejection(second.dut.identify())).toMatchObject({
      code: 'E_DUT_UNREACHABLE',
      message: `identify: cannot open the serial port ${pair.a} (another program has it open and locked)`,
    })
  })

  it('after close, operations fail instead of opening the port again', async () => {
    const { pair } = await deviceOnPty()
    const { dut } = dutFor(profile(pair.a))
    await dut.identify()
    await dut.close()
    expect(await rejection(dut.identify())).toMatchObject({
      code: 'E_DUT_UNREACHABLE',
      message: `identify: the serial adapter for ${pair.a} was closed`,
    })
  })
})

describe('a console whose echo comes late', () => {
  it('a line the device printed on its own and a fresh prompt before the echo are not taken for the answer', async () => {
    const notifications = [
      '[2024-05-01T10:00:00Z] update: Firmware 1.5.0 is available',
      '[2024-05-03T12:45:00Z] update: Firmware 1.5.0 installed',
      '-- end --',
    ]
    // No echo of its own: each handler writes the echo, so the test decides when it comes.
    const { pair } = await deviceOnPty({
      echo: false,
      commands: {
        settings: (_, d) => {
          d.write('settings\n')
          return ['auto-update: enabled', 'notify:      on']
        },
        notifications: (_, d) => {
          // A loaded device: its log line and prompt go out first, the echo and the answer later.
          d.print('[upd] checking for updates (periodic)')
          d.showPrompt()
          d.later(300, () => {
            d.write('notifications\n')
            for (const line of notifications) d.print(line)
            d.showPrompt()
          })
        },
      },
    })
    const { dut } = dutFor(profile(pair.a))
    // The first exchange shows the device echoes.
    await dut.readSettings()
    const read = await dut.readNotifications()
    expect(read.map((n) => n.text)).toEqual(['Firmware 1.5.0 is available', 'Firmware 1.5.0 installed'])
  })
})

describe('a console that goes on after its prompt', () => {
  it.each([
    ['echoes, 40 ms, the default quiet time', true, 40, undefined],
    ['does not echo, 40 ms, the default quiet time', false, 40, undefined],
    ['echoes, 120 ms, a quiet time of 200 ms in the profile', true, 120, 200],
  ])(
    'a console that %s: output after a pause within the quiet time is not read as the next answer',
    async (_, echo, pauseMs, promptQuietMs) => {
      let asked = 0
      const { pair } = await deviceOnPty({
        echo,
        commands: {
          settings: (_, d) => {
            asked++
            if (asked === 1) {
              d.print('auto-update: enabled')
              d.print('notify:      on')
              d.showPrompt()
              // The rest of what it had to say, after a pause within the prompt quiet time. With the
              // next command already sent, it would come after that command's echo.
              d.later(pauseMs, () => {
                d.print('')
                d.print('auto-update: disabled')
                d.print('notify:      off')
                d.showPrompt()
              })
            } else {
              d.later(pauseMs + 60, () => {
                d.print('auto-update: enabled')
                d.print('notify:      on')
                d.showPrompt()
              })
            }
          },
        },
      })
      const { dut } = dutFor(profile(pair.a, OPERATIONS, promptQuietMs ? { promptQuietMs } : {}))
      const first = await dut.readSettings()
      expect(await dut.readSettings()).toEqual(first)
      expect(asked).toBe(2)
    },
  )
})
