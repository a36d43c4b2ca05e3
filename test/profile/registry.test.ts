import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadDutProfile } from '../../adapters/index.ts'
import { CHANNELS } from '../../adapters/registry.ts'
import { DutError, type Dut, type Operation } from '../../core/dut.ts'
import { EvidenceLog } from '../../core/evidence.ts'
import { formatFinding } from '../../ixit/findings.ts'
import type { ChannelDescriptor } from '../../profile/channel.ts'
import { checkLoopbackUrl } from '../../profile/check-kit.ts'
import { bindChannels } from '../../profile/registry.ts'
import { composeProfileSchema } from '../../profile/schema.ts'
import type { AdapterTimeouts, DutProfileCommon } from '../../profile/types.ts'
import { positionOf, tempAssessment } from '../ixit/helpers.ts'

// A fourth channel, as adapters/coap/profile.ts would declare it: profile types, schema part,
// files, checks, secrets and the adapter. Registering it is one more entry in the list.

interface CoapDutProfile extends DutProfileCommon {
  adapter: { kind: 'coap'; uri: string; pskEnv?: string; pskFile?: string; blockSize: number; timeouts: AdapterTimeouts }
  operations: { identify?: { path: string } }
}

const coap: ChannelDescriptor<CoapDutProfile> = {
  kind: 'coap',
  schema: {
    adapter: {
      title: 'CoAP adapter',
      description: 'The device offers a CoAP API.',
      type: 'object',
      required: ['kind', 'uri'],
      additionalProperties: false,
      properties: {
        kind: { title: 'Adapter kind', description: 'coap: the device offers a CoAP API.', const: 'coap' },
        uri: {
          title: 'a coap:// or coaps:// URI',
          description: 'The device.',
          type: 'string',
          pattern: '^coaps?://',
          examples: ['coap://127.0.0.1:5683'],
        },
        pskEnv: { $ref: '#/$defs/envName', description: 'The environment variable holding the pre-shared key.' },
        pskFile: { title: 'PSK identity file', description: 'Relative to this document.', type: 'string' },
        blockSize: {
          title: 'Block size',
          description: 'Default 1024.',
          type: 'integer',
          enum: [16, 32, 64, 128, 256, 512, 1024],
          default: 1024,
        },
        timeouts: { $ref: '#/$defs/timeouts', default: {} },
      },
    },
    operations: {
      title: 'CoAP operations',
      description: 'What the device offers over CoAP.',
      type: 'object',
      additionalProperties: false,
      properties: { identify: { $ref: '#/$defs/coapRequest' } },
    },
    $defs: {
      coapRequest: {
        title: 'CoAP request',
        description: 'A GET of one resource.',
        type: 'object',
        required: ['path'],
        additionalProperties: false,
        properties: {
          path: { title: 'a path starting with /', description: 'The resource.', type: 'string', pattern: '^/', examples: ['/info'] },
        },
      },
    },
  },
  files: [['adapter', 'pskFile']],
  check: (adapter, _operations, report, warn) => {
    if (typeof adapter.uri === 'string') checkLoopbackUrl(report, ['adapter', 'uri'], adapter.uri)
    if (adapter.pskEnv === undefined && adapter.uri === 'coaps://127.0.0.1')
      warn('no-psk', ['adapter', 'uri'], 'coaps without a pre-shared key')
  },
  secretEnv: (adapter) => [adapter.pskEnv],
  create: (profile) => new CoapDut(profile),
}

/** Answers identify from the profile, so a test sees which profile reached the adapter. */
class CoapDut implements Dut {
  constructor(private readonly profile: CoapDutProfile) {}
  supports = (op: Operation) => op === 'identify' && this.profile.operations.identify !== undefined
  identify = async () => ({ model: this.profile.name, version: `block ${this.profile.adapter.blockSize}` })
  readSettings = () => this.undeclared('read-settings')
  changeSettings = () => this.undeclared('change-settings')
  deliverImage = () => this.undeclared('deliver-image')
  readOutcome = () => this.undeclared('read-outcome')
  readNotifications = () => this.undeclared('read-notifications')
  checkNow = () => this.undeclared('check-now')
  reboot = () => this.undeclared('reboot')
  factoryReset = () => this.undeclared('factory-reset')
  restore = () => this.undeclared('restore')
  close = async () => {}
  private undeclared(op: Operation): Promise<never> {
    return Promise.reject(new DutError('E_DUT_NOT_DECLARED', op, 'not declared'))
  }
}

const WITH_COAP = bindChannels([...CHANNELS, coap])

const PROFILE = `name: CoAP device
adapter:
  kind: coap
  uri: coap://127.0.0.1:5683
  pskEnv: TS701_TEST_COAP_PSK
  pskFile: keys/identity.txt
operations:
  identify: { path: /info }
`

async function write(text: string, files: Record<string, string> = { 'keys/identity.txt': 'lab' }): Promise<string> {
  const dir = await tempAssessment({ ...files, 'dut.yaml': text })
  return join(dir, 'dut.yaml')
}

describe('a channel registered next to the built-in ones', () => {
  it('loads profiles of its kind, with its schema defaults and its files resolved', async () => {
    const file = await write(PROFILE)
    const { profile, findings } = await WITH_COAP.load(file)
    expect(findings).toEqual([])
    expect(profile?.adapter).toEqual({
      kind: 'coap',
      uri: 'coap://127.0.0.1:5683',
      pskEnv: 'TS701_TEST_COAP_PSK',
      pskFile: join(file, '..', 'keys/identity.txt'),
      blockSize: 1024,
      timeouts: { defaultMs: 5000, operations: {} },
    })
    // The loaded type narrows by kind, the new one included.
    if (profile?.adapter.kind !== 'coap') throw new Error('expected a CoAP profile')
    expect(profile.operations.identify).toEqual({ path: '/info' })
  })

  it('validates with its schema part, in the same terms as the built-in kinds', async () => {
    const text = PROFILE.replace('uri: coap://', 'url: coap://').replace('path: /info', 'path: info')
    const { profile, findings } = await WITH_COAP.load(await write(text))
    expect(profile).toBeUndefined()
    const at = (context: string, mark?: string) => {
      const p = positionOf(text, context, mark)
      return `${p.line}:${p.column}`
    }
    expect(findings.map((f) => formatFinding(f).replace(/^.*?:(\d+:\d+): /, '$1: '))).toEqual([
      `${at('url:')}: error: /adapter: unknown property "url" (did you mean "uri"? allowed: kind, uri, pskEnv, pskFile, blockSize, timeouts)`,
      `${at('info }', 'info')}: error: /operations/identify/path: expected a path starting with / (e.g. "/info"), found "info"`,
    ])
    const kind = await WITH_COAP.load(await write(PROFILE.replace('kind: coap', 'kind: cop')))
    expect(kind.findings.map((f) => f.message)).toEqual([
      '/adapter/kind: expected one of "http", "mqtt", "serial", "none", "coap", found "cop"',
    ])
  })

  it('runs its checks and the missing-file check on its files', async () => {
    const text = PROFILE.replace('coap://127.0.0.1:5683', 'coap://192.0.2.1:5683')
    const { findings } = await WITH_COAP.load(await write(text, {}))
    expect(findings.map((f) => [f.code, f.pointer])).toEqual([
      ['not-loopback', '/adapter/uri'],
      ['missing-file', '/adapter/pskFile'],
    ])
    const warned = await WITH_COAP.load(
      await write(PROFILE.replace('coap://127.0.0.1:5683', 'coaps://127.0.0.1').replace(/ {2}pskEnv: .*\n/, '')),
    )
    expect(warned.findings.map((f) => `${f.severity} ${f.code}`)).toEqual(['warning no-psk'])
    expect(warned.profile).toBeDefined()
  })

  it('creates its Dut and names its secrets', async () => {
    const { profile } = await WITH_COAP.load(await write(PROFILE))
    if (!profile) throw new Error('expected a profile')
    const dut = await WITH_COAP.create(profile, { evidence: new EvidenceLog() })
    expect(dut.supports('identify')).toBe(true)
    expect(await dut.identify()).toEqual({ model: 'CoAP device', version: 'block 1024' })
    await expect(dut.reboot()).rejects.toMatchObject({ code: 'E_DUT_NOT_DECLARED' })
    expect(WITH_COAP.secrets(profile, { TS701_TEST_COAP_PSK: 'psk-value' })).toEqual(['psk-value'])
    expect(WITH_COAP.secrets(profile, {})).toEqual([])
  })

  it('leaves the built-in channels as they were, and is unknown where it is not registered', async () => {
    expect((await WITH_COAP.schema()).$defs.coapAdapter).toBeDefined()
    const http = await write('name: h\nadapter: { kind: http, baseUrl: "http://127.0.0.1:1" }\noperations: {}\n', {})
    expect((await WITH_COAP.load(http)).findings).toEqual([])
    const { findings } = await loadDutProfile(await write(PROFILE))
    expect(findings.map((f) => f.message)).toEqual(['/adapter/kind: expected one of "http", "mqtt", "serial", "none", found "coap"'])
  })
})

describe('composing the schema', () => {
  const part = coap.schema
  it('refuses an adapter part the kind selection cannot rely on', () => {
    const open = { ...coap, schema: { ...part, adapter: { ...part.adapter, additionalProperties: true } } }
    expect(() => composeProfileSchema([...CHANNELS, open])).toThrow(
      'the adapter schema of channel coap must be an object schema with additionalProperties: false',
    )
    const wrongKind = { ...coap, kind: 'ble' }
    expect(() => composeProfileSchema([...CHANNELS, wrongKind])).toThrow(
      'the adapter schema of channel ble must declare kind: { const: "ble" }',
    )
  })

  it('refuses a definition two parts both define', () => {
    const clash = { ...coap, schema: { ...part, $defs: { ...part.$defs, requestTemplate: { type: 'object' } } } }
    expect(() => composeProfileSchema([...CHANNELS, clash])).toThrow(
      'the DUT profile schema defines "requestTemplate" twice (again in channel coap)',
    )
  })
})
