import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadAssessment } from '../../ixit/load.ts'
import type { Assessment } from '../../ixit/types.ts'
import { positionOf, read, REFERENCE } from './helpers.ts'

const V2 = [
  '5.3-1',
  '5.3-2',
  '5.3-3',
  '5.3-4',
  '5.3-5',
  '5.3-6',
  '5.3-7',
  '5.3-8',
  '5.3-9',
  '5.3-10',
  '5.3-11',
  '5.3-12',
  '5.3-13',
  '5.3-14',
  '5.3-15',
  '5.3-16',
]
const V3 = [
  '5.3-1',
  '5.3-2',
  '5.3-3',
  '5.3-4A',
  '5.3-4B',
  '5.3-5',
  '5.3-6A',
  '5.3-6B',
  '5.3-7',
  '5.3-8',
  '5.3-9',
  '5.3-10',
  '5.3-11',
  '5.3-12',
  '5.3-13',
  '5.3-14',
  '5.3-15A',
  '5.3-15B',
  '5.3-16',
]

async function reference(): Promise<Assessment> {
  const result = await loadAssessment(REFERENCE)
  expect(result.findings).toEqual([])
  if (!result.assessment) throw new Error('reference assessment did not load')
  return result.assessment
}

describe('the reference DUT example', () => {
  it('loads without a single finding', async () => {
    const result = await loadAssessment(REFERENCE)
    expect(result.findings).toEqual([])
    expect(result.assessment).toBeDefined()
  })

  it('names the DUT by its model designation and keeps the folder as given', async () => {
    const a = await reference()
    expect(a.dut).toBe('TS701-REF-1')
    expect(a.dir).toBe(REFERENCE)
  })

  it('carries the assessor decisions with their positions', async () => {
    const a = await reference()
    expect(a.decisions.length).toBeGreaterThan(5)
    expect(a.decisions[0]).toMatchObject({
      unit: '5.3-1-1a',
      target: 'SoftComp-BootROM',
      verdict: 'PASS',
      source: { file: join(REFERENCE, 'decisions.yaml'), line: 8, column: 5 },
    })
  })

  it('answers every provision of both editions, keyed and labelled by provision ID', async () => {
    const { ics } = await reference()
    expect(ics.file).toBe(join(REFERENCE, 'ics.yaml'))
    expect(ics.constrained).toBe(false)
    expect(Object.keys(ics.provisions).sort()).toEqual([...new Set([...V2, ...V3])].sort())
    for (const [id, entry] of Object.entries(ics.provisions)) {
      expect(entry.provision).toBe(id)
      expect(entry.detail.length).toBeGreaterThan(40)
    }
    expect(ics.provisions['5.3-15']?.support).toBe('N/A')
    expect(ics.provisions['5.3-15']?.detail).toMatch(/not constrained/)
    for (const id of ['5.3-14', '5.3-15A', '5.3-15B']) expect(ics.provisions[id]?.support).toBe('Y')
  })

  it('places each ICS entry at its provision key', async () => {
    const { ics } = await reference()
    const text = await read(join(REFERENCE, 'ics.yaml'))
    expect(ics.provisions['5.3-7']?.source).toEqual({ file: join(REFERENCE, 'ics.yaml'), ...positionOf(text, '\n  5.3-7:', '5.3-7') })
  })

  it('types the update mechanisms with their facts', async () => {
    const { ixit } = await reference()
    expect(ixit.files).toEqual([join(REFERENCE, 'ixit.yaml')])
    expect(ixit['7-UpdMech'].map((m) => m.id)).toEqual(['UpdMech-Network', 'UpdMech-LocalUpload'])
    const [network, local] = ixit['7-UpdMech']
    expect(network?.facts).toMatchObject({
      delivery: 'network',
      verifiedBy: 'dut',
      signature: { algorithm: 'ECDSA', keySize: 256, hash: 'SHA-256', curve: 'P-256' },
      transport: { protocol: 'HTTPS', minTlsVersion: '1.2', serverAuthenticated: true },
      antiRollback: true,
      verifiedBeforeInstall: true,
      initiation: 'automatic',
      automaticUpdates: { enabledByDefault: true, userCan: ['enable', 'disable', 'postpone'] },
      checking: { by: 'dut', afterInitialization: true, period: 'P1D' },
      disruptsBasicFunctioning: true,
    })
    expect(network?.facts.notifications?.kinds).toContain('security-required-with-risks')
    expect(network?.cryptographicDetails).toMatch(/RSA-PSS with 3072-bit keys/)
    expect(local?.facts).toMatchObject({ delivery: 'local', verifiedBy: 'dut', initiation: 'user' })
  })

  it('places every IXIT entry at its first key', async () => {
    const { ixit } = await reference()
    const text = await read(join(REFERENCE, 'ixit.yaml'))
    const file = join(REFERENCE, 'ixit.yaml')
    expect(ixit['7-UpdMech'][1]?.source).toEqual({ file, ...positionOf(text, '- id: UpdMech-LocalUpload', 'id') })
    expect(ixit['26-UserDec'][0]?.source).toEqual({ file, ...positionOf(text, '- id: UserDec-AutoUpdates', 'id') })
  })

  it('covers the non-updatable boot ROM for the V3 provisions 5.3-14 and 5.3-15A/B', async () => {
    const { ixit } = await reference()
    const rom = ixit['6-SoftComp'].find((c) => c.id === 'SoftComp-BootROM')
    expect(rom?.updateMechanisms).toEqual([])
    expect(rom?.facts.immutable).toBe(true)
    expect(rom?.notUpdatableJustification).toMatch(/root of trust/)
    const info = ixit['2-UserInfo'][0]
    expect(info?.publicationOfNonUpdatable).not.toBe('')
    expect(info?.documentationOfReplacement).not.toBe('')
    expect(info?.facts).toEqual({
      designationMedia: ['label', 'user-interface'],
      supportEnds: '2031-12-31',
      supportPeriodPublication: { medium: 'web', url: 'http://127.0.0.1:8701/support', requiresRegistration: false },
      nonUpdatablePublication: { medium: 'web', url: 'http://127.0.0.1:8701/support#non-updatable', requiresRegistration: false },
    })
    expect(ixit['9-ReplSup']).toHaveLength(1)
  })

  it('fills the defaults a supplier may omit', async () => {
    const { ixit } = await reference()
    const firmware = ixit['6-SoftComp'].find((c) => c.id === 'SoftComp-Firmware')
    expect(firmware?.notUpdatableJustification).toBe('')
    expect(firmware?.facts).toEqual({})
    expect(firmware?.updateMechanisms).toEqual(['UpdMech-Network', 'UpdMech-LocalUpload'])
  })

  it('confirms the update procedures and records the initialization decisions', async () => {
    const { ixit } = await reference()
    expect(ixit['4-Conf']).toMatchObject([{ id: 'Conf-1', subject: 'update-procedures', confirmed: true }])
    expect(ixit['8-UpdProc'][0]?.timeFrame).toMatch(/within 30 days/)
    expect(ixit['26-UserDec'].map((d) => d.facts)).toEqual([
      { subject: 'automatic-updates', duringInitialization: true, defaultOption: 'automatic security updates on', enablesOnConsent: true },
      { subject: 'update-notifications', duringInitialization: true, defaultOption: 'update notifications on' },
    ])
  })

  it('publishes nothing but loopback addresses', async () => {
    for (const name of ['ics.yaml', 'ixit.yaml']) {
      const urls = (await read(join(REFERENCE, name))).match(/https?:\/\/[^\s)"]+/g) ?? []
      for (const url of urls) expect(new URL(url).hostname).toBe('127.0.0.1')
    }
  })
})
