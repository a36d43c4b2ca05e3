import { describe, expect, it } from 'vitest'
import type { SerialOperationMap } from '../../../adapters/serial/profile.ts'
import { ansi } from './device.ts'
import { deviceOnPty, deviceOnTcp, dutFor, imageFile, lines, profile, rejection, tempDir } from './helpers.ts'

const MB = 1024 * 1024

const end = { send: 'upload end', expect: String.raw`^upload (?<accepted>ok|failed): (?<message>.*)$` }

const base64Lines = (lineBytes: number): SerialOperationMap => ({
  'deliver-image': {
    mode: 'base64-lines',
    begin: { send: 'upload begin {{image.size}} {{image.sha256}}', expect: '^READY' },
    lineBytes,
    end,
  },
})

const raw: SerialOperationMap = {
  'deliver-image': { mode: 'raw', begin: { send: 'upload raw {{image.size}}', expect: '^READY' }, end },
}

describe('deliver-image over the console', () => {
  it('base64-lines: streams a multi-megabyte image as lines of lineBytes bytes; the device decodes it whole', async () => {
    const image = await imageFile(await tempDir(), 'firmware-1.5.0', 3 * MB + 1001)
    const { device, pair } = await deviceOnPty()
    const { dut, entries } = dutFor(profile(pair.a, base64Lines(3072)))
    const receipt = await dut.deliverImage(image)
    const [got] = device.received
    expect(got).toMatchObject({
      mode: 'base64-lines',
      announced: image.size,
      bytes: image.size,
      sha256: image.sha256,
      lines: Math.ceil(image.size / 3072),
      longestLine: 3072,
    })
    expect(receipt).toEqual({ accepted: true, message: `${image.size} bytes, sha256 ${image.sha256}` })
    expect(device.commands).toEqual([`upload begin ${image.size} ${image.sha256}`])
    // Summarised, not line by line: the device's echo of 1000+ lines is counted, not logged.
    const transfer = entries().find((e) => e.detail?.event === 'transfer')
    expect(transfer?.summary).toMatch(
      /^deliver-image: sent firmware-1\.5\.0 as 1025 base64 lines \(3\.1 MB in \d+ ms, SHA-256 [0-9a-f]{16}…\); the device echoed 1025 lines$/,
    )
    expect(transfer?.detail).toMatchObject({
      mode: 'base64-lines',
      bytes: image.size,
      lines: 1025,
      sha256: image.sha256,
      echoedLines: 1025,
    })
    expect(lines(entries()).length).toBeLessThan(30)
  })

  it('raw: announces the length, writes the bytes, and reads the verdict of end', async () => {
    const image = await imageFile(await tempDir(), 'fw-raw', 2 * MB + 17)
    const { device, pair } = await deviceOnPty()
    const { dut, entries } = dutFor(profile(pair.a, raw))
    const receipt = await dut.deliverImage(image)
    expect(device.received[0]).toMatchObject({ mode: 'raw', bytes: image.size, sha256: image.sha256 })
    expect(receipt).toEqual({ accepted: true, message: `${image.size} bytes, sha256 ${image.sha256}` })
    expect(entries().find((e) => e.detail?.event === 'transfer')?.detail).toMatchObject({
      mode: 'raw',
      bytes: image.size,
      sha256: image.sha256,
    })
  })

  it('base64-lines over tcp://', async () => {
    const image = await imageFile(await tempDir(), 'fw-tcp', 500_000)
    const { device, url } = await deviceOnTcp()
    const { dut } = dutFor(profile(url, base64Lines(57)))
    expect(await dut.deliverImage(image)).toMatchObject({ accepted: true })
    expect(device.received[0]).toMatchObject({ bytes: image.size, sha256: image.sha256, longestLine: 57 })
  })

  it('url: tells the device where to fetch the image, with the image placeholders filled', async () => {
    const image = { ...(await imageFile(await tempDir(), 'fw-2.0', 1000)), version: '2.0.0' }
    const { device, pair } = await deviceOnPty()
    const { dut } = dutFor(
      profile(pair.a, {
        'deliver-image': {
          mode: 'url',
          exchange: {
            send: 'install {{image.url}} {{image.sha256}} {{image.size}} {{image.name}} {{ image.version }}',
            expect: String.raw`queued: (?<accepted>\w+) \((?<message>[^)]*)\)`,
          },
        },
      }),
    )
    const receipt = await dut.deliverImage(image, { imageUrl: 'http://127.0.0.1:8443/images/fw-2.0.bin' })
    expect(receipt).toEqual({ accepted: true, message: 'download started' })
    expect(device.commands).toEqual([`install http://127.0.0.1:8443/images/fw-2.0.bin ${image.sha256} 1000 fw-2.0 2.0.0`])
    const err = await rejection(dut.deliverImage(image))
    expect(err).toMatchObject({
      code: 'E_DUT_PROTOCOL',
      message: 'deliver-image: mode url needs the URL the image is served at, and none was given',
    })
  })

  it('a device that refuses to begin gives a receipt saying so; nothing is sent', async () => {
    const image = await imageFile(await tempDir(), 'fw', 10_000)
    const { device, pair } = await deviceOnPty({ commands: { 'upload begin': () => [`${ansi.red('ERR')} flash busy`] } })
    const { dut } = dutFor(profile(pair.a, base64Lines(48)))
    const receipt = await dut.deliverImage(image)
    expect(receipt).toEqual({
      message: `the device answered "upload begin 10000 ${image.sha256}" with "ERR flash busy" instead of /^READY/; nothing of the image was sent`,
    })
    expect(device.commands).toHaveLength(1)
  })

  it('a device that breaks the transfer off and returns to its prompt gives a receipt; the rest is not sent', async () => {
    const image = await imageFile(await tempDir(), 'fw', 200_000)
    const { device, pair } = await deviceOnPty()
    let seen = 0
    const original = device.feed.bind(device)
    device.feed = (data) => {
      original(data)
      if (device.state.kind === 'base64' && device.state.lines >= 10 && seen++ === 0) {
        device.state = { kind: 'shell' }
        device.print(`${ansi.red('ERROR')}: flash write failed at block 10`)
        device.showPrompt()
      }
    }
    const { dut, entries } = dutFor(profile(pair.a, base64Lines(48)))
    const receipt = await dut.deliverImage(image)
    expect(receipt.message).toMatch(
      /^the device broke the transfer off after \d+ base64 lines, \d+ of 200000 bytes and returned to its prompt: "/,
    )
    // What the device said is quoted; on a loaded machine a line read before the error may come first.
    expect(receipt.message).toContain('ERROR: flash write failed at block 10')
    const transfer = entries().find((e) => e.detail?.event === 'transfer')
    expect(transfer?.detail).toMatchObject({ brokenOff: true })
    expect(transfer?.detail?.bytes as number).toBeLessThan(image.size)
  })

  it('an end answered with garbage gives a receipt describing it', async () => {
    const image = await imageFile(await tempDir(), 'fw', 3000)
    const { device, pair } = await deviceOnPty()
    device.options.commands = {}
    const { dut } = dutFor(
      profile(pair.a, {
        'deliver-image': {
          mode: 'raw',
          begin: { send: 'upload raw {{image.size}}', expect: '^READY' },
          end: { send: 'upload finish', expect: end.expect },
        },
      }),
    )
    const receipt = await dut.deliverImage(image)
    expect(receipt).toEqual({
      message:
        'after the transfer, the device answered "upload finish" with "ERR unknown command: upload finish" instead of /^upload (?<accepted>ok|failed): (?<message>.*)$/',
    })
  })

  it("a failed verdict is accepted: false with the device's message", async () => {
    const image = await imageFile(await tempDir(), 'fw', 3000)
    const { device, pair } = await deviceOnPty({ commands: { 'upload end': () => ['upload failed: signature invalid'] } })
    const { dut } = dutFor(profile(pair.a, raw))
    expect(await dut.deliverImage(image)).toEqual({ accepted: false, message: 'signature invalid' })
    expect(device.received).toHaveLength(0)
  })
})
