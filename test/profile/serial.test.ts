import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { formatFinding } from '../../ixit/findings.ts'
import { loadDutProfile } from '../../adapters/index.ts'
import type { SerialOperationMap } from '../../adapters/serial/profile.ts'
import { positionOf, tempAssessment } from '../ixit/helpers.ts'

const COMPLETE = String.raw`name: console device
adapter:
  kind: serial
  port: /dev/ttyUSB0
  prompt: '^dut> $'
  login: { username: root, passwordEnv: TS701_TEST_CONSOLE_PW_NOT_SET, userPrompt: 'login: ?$', passwordPrompt: '[Pp]assword: ?$' }
operations:
  identify: { send: version, expect: 'Model: (?<model>\S+)\s+Firmware: (?<version>\S+)' }
  read-settings: { send: settings, expect: 'auto-update: (?<automaticUpdates>\w+)' }
  change-settings:
    disable-automatic-updates: { send: set auto off, expect: 'auto-update set to off', timeoutMs: 500 }
  deliver-image:
    mode: base64-lines
    begin: { send: 'receive {{image.size}} {{image.sha256}}', expect: ready }
    lineBytes: 384
    end: { send: end, expect: '(?<verdict>accepted|rejected)' }
  read-outcome:
    send: update status
    expect: 'update: (?<state>\w+)(?: (?<version>\S+))?'
    states: { installed: [installed], rejected: [rejected, failed], pending: [pending] }
  read-notifications: { send: notifications, item: '^\[(?<time>[^\]]+)\] (?<kind>\w+): (?<text>.+)$', end: '^-- end --$' }
  check-now: { send: check, expect: 'no update|update found' }
  reboot: { send: reboot, expect: rebooting }
  restore: { send: restore, expect: restoring, readyTimeoutMs: 120000 }
`

async function load(text: string) {
  const dir = await tempAssessment({ 'dut.yaml': text })
  const file = join(dir, 'dut.yaml')
  const result = await loadDutProfile(file)
  return { ...result, file, lines: result.findings.map(formatFinding) }
}

function variant(from: string, to: string): string {
  expect(COMPLETE).toContain(from)
  return COMPLETE.replace(from, to)
}

describe('serial console DUT profiles', () => {
  it('load with the line settings and timeouts defaulted', async () => {
    const { profile, findings } = await load(COMPLETE)
    expect(findings).toEqual([])
    expect(profile?.adapter).toEqual({
      kind: 'serial',
      port: '/dev/ttyUSB0',
      baudRate: 115200,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
      lineEnding: '\r\n',
      prompt: '^dut> $',
      login: { username: 'root', passwordEnv: 'TS701_TEST_CONSOLE_PW_NOT_SET', userPrompt: 'login: ?$', passwordPrompt: '[Pp]assword: ?$' },
      timeouts: { defaultMs: 5000, operations: {} },
    })
    const ops = profile!.operations as SerialOperationMap
    expect(ops['read-outcome']).toEqual({
      send: 'update status',
      expect: String.raw`update: (?<state>\w+)(?: (?<version>\S+))?`,
      states: { installed: ['installed'], rejected: ['rejected', 'failed'], pending: ['pending'] },
      intervalMs: 500,
      timeoutMs: 60000,
    })
    expect(ops.reboot).toEqual({ send: 'reboot', expect: 'rebooting', readyTimeoutMs: 60000 })
    expect(ops.restore?.readyTimeoutMs).toBe(120000)
    expect(ops['change-settings']?.['disable-automatic-updates']).toEqual({
      send: 'set auto off',
      expect: 'auto-update set to off',
      timeoutMs: 500,
    })
    expect(ops['deliver-image']).toEqual({
      mode: 'base64-lines',
      begin: { send: 'receive {{image.size}} {{image.sha256}}', expect: 'ready' },
      lineBytes: 384,
      end: { send: 'end', expect: '(?<verdict>accepted|rejected)' },
    })
  })

  it('keeps line settings as written, and takes a loopback TCP export', async () => {
    const { profile, findings } = await load(`name: s
adapter: { kind: serial, port: 'rfc2217://127.0.0.1:7001', baudRate: 9600, dataBits: 7, parity: even, stopBits: 2, lineEnding: "\\n", timeouts: { defaultMs: 800 } }
operations: {}
`)
    expect(findings).toEqual([])
    expect(profile?.adapter).toEqual({
      kind: 'serial',
      port: 'rfc2217://127.0.0.1:7001',
      baudRate: 9600,
      dataBits: 7,
      parity: 'even',
      stopBits: 2,
      lineEnding: '\n',
      timeouts: { defaultMs: 800, operations: {} },
    })
  })

  it('an HTTP-style operation is told the serial shape, one line per problem', async () => {
    const text = variant(
      String.raw`  identify: { send: version, expect: 'Model: (?<model>\S+)\s+Firmware: (?<version>\S+)' }`,
      `  identify:
    request: { method: GET, path: /api/info }
    extract: { model: { pointer: /model }, version: { pointer: /version } }`,
    )
    const { lines, file } = await load(text)
    const at = (context: string) => {
      const p = positionOf(text, context)
      return `${file}:${p.line}:${p.column}: error:`
    }
    expect(lines).toEqual([
      `${at('request:')} /operations/identify: missing required properties "send", "expect"`,
      `${at('request:')} /operations/identify: unknown property "request" (allowed: send, expect, timeoutMs)`,
      `${at('extract:')} /operations/identify: unknown property "extract" (allowed: send, expect, timeoutMs)`,
    ])
  })

  it('schema errors in the line settings and the delivery modes', async () => {
    const text = variant('  port: /dev/ttyUSB0', '  port: /dev/ttyUSB0\n  parity: mark\n  lineEnding: "\\t"\n  baudrate: 9600').replace(
      '    lineBytes: 384\n',
      '    exchange: { send: x, expect: y }\n',
    )
    const { lines, file } = await load(text)
    const at = (context: string, mark?: string) => {
      const p = positionOf(text, context, mark)
      return `${file}:${p.line}:${p.column}: error:`
    }
    expect(lines).toEqual([
      `${at('parity: mark', 'mark')} /adapter/parity: expected one of "none", "even", "odd", found "mark"`,
      `${at('lineEnding: "', '"')} /adapter/lineEnding: expected one of "\\r\\n", "\\n", "\\r", found "\\t"`,
      `${at('baudrate:')} /adapter: unknown property "baudrate" (did you mean "baudRate"? allowed: kind, port, baudRate, dataBits, parity, stopBits, lineEnding, prompt, promptQuietMs, login, timeouts)`,
      `${at('    mode: base64-lines', 'mode')} /operations/deliver-image: missing required property "lineBytes"`,
      `${at('exchange: {')} /operations/deliver-image: invalid property name "exchange", expected a property of base64-lines mode (mode, begin, lineBytes, end)`,
    ])
  })

  it('checks the port, the regexes and their named groups, and placeholders', async () => {
    const text = variant('port: /dev/ttyUSB0', 'port: tcp://10.1.2.3:7000')
      .replace("prompt: '^dut> $'", "prompt: '(dut>'")
      .replace("passwordPrompt: '[Pp]assword: ?$'", "passwordPrompt: '[Pp]assword: ?('")
      .replace(String.raw`expect: 'Model: (?<model>\S+)\s+Firmware: (?<version>\S+)'`, String.raw`expect: 'Model: (?<model>\S+)'`)
      .replace(String.raw`expect: 'auto-update: (?<automaticUpdates>\w+)'`, String.raw`expect: 'auto-update: (\w+)'`)
      .replace('send: set auto off', "send: 'set auto off {{image.version}}'")
      .replace(String.raw`expect: 'update: (?<state>\w+)(?: (?<version>\S+))?'`, String.raw`expect: 'update: (?<st>\w+)'`)
      .replace('(?<text>.+)$', '(?<message>.+)$')
      .replace("expect: 'no update|update found'", "expect: 'no update|(update found'")
    const { lines, file } = await load(text)
    const at = (context: string, mark?: string) => {
      const p = positionOf(text, context, mark)
      return `${file}:${p.line}:${p.column}: error:`
    }
    expect(lines).toEqual([
      `${at('port: tcp', 'tcp')} /adapter/port: host "10.1.2.3" is not a loopback address; ts701 only targets loopback addresses (127.0.0.0/8, ::1, localhost) or namespaces it creates`,
      `${at("prompt: '(dut>'", "'")} /adapter/prompt: invalid regular expression: /(dut>/: Unterminated group`,
      `${at("passwordPrompt: '", "'")} /adapter/login/passwordPrompt: invalid regular expression: /[Pp]assword: ?(/: Unterminated group`,
      `${at("expect: 'Model", "'")} /operations/identify/expect: the regular expression lacks the named group "version" that identify takes its values from (it has "model"), e.g. (?<version>\\S+)`,
      `${at("expect: 'auto-update: (", "'")} /operations/read-settings/expect: the regular expression needs a named group "automaticUpdates" or "notifications" (it has none)`,
      `${at("send: 'set auto off", "'")} /operations/change-settings/disable-automatic-updates/send: unknown placeholder {{image.version}} (this operation fills no placeholders)`,
      `${at("expect: 'update: (?<st>", "'")} /operations/read-outcome/expect: the regular expression lacks the named group "state" that read-outcome takes its values from (it has "st"), e.g. (?<state>\\S+)`,
      `${at("item: '", "'")} /operations/read-notifications/item: the regular expression lacks the named group "text" that read-notifications takes each notification from (it has "time", "kind", "message"), e.g. (?<text>.+)`,
      `${at("expect: 'no update|(", "'")} /operations/check-now/expect: invalid regular expression: /no update|(update found/: Unterminated group`,
    ])
  })

  it.each([
    ['tcp://127.0.0.1:7000', []],
    ['tcp://[::1]:7000', []],
    ['/dev/pts/7', []],
    ['tcp://localhost', ['/adapter/port: "tcp://localhost" names no port (expected tcp://host:port)']],
    [
      'telnet://127.0.0.1:23',
      ['/adapter/port: unsupported scheme telnet:// (expected a device path, tcp://host:port or rfc2217://host:port)'],
    ],
    [
      'rfc2217://192.168.0.9:2217',
      [
        '/adapter/port: host "192.168.0.9" is not a loopback address; ts701 only targets loopback addresses (127.0.0.0/8, ::1, localhost) or namespaces it creates',
      ],
    ],
  ])('port %s', async (port, expected) => {
    const { lines } = await load(`name: s\nadapter: { kind: serial, port: '${port}' }\noperations: {}\n`)
    expect(lines.map((l) => l.replace(/^.*?: error: /, ''))).toEqual(expected)
  })
})
