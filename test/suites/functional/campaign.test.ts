// The attack campaign and its positive control (suites/lib/functional/campaign.ts), as units
// 5.3-1-2a, 5.3-2-2a, 5.3-2-2b (per attack and the control), 5.3-9-2a/b/c read it.
import { describe, it, vi } from 'vitest'
import { DutError } from '../../../core/dut.ts'
import { campaign, CONTROL, summarize, type CampaignResult } from '../../../suites/lib/functional/campaign.ts'
import { FakeDut, operationsWithout, timeout, type SeenImage } from './fake-dut.ts'
import { DEFAULT_ATTACKS, fakeSession, LOCAL, NETWORK, runUnit, type FakeSession } from './fake-session.ts'

// The tests wait on fake devices, not on the CPU: let them all run at once.
vi.setConfig({ maxConcurrency: 50 })

const ATTACKS = DEFAULT_ATTACKS.map((a) => a.name)

const verdicts = (r: CampaignResult) => Object.fromEntries([...r.byVariant].map(([name, o]) => [name, o.verdict]))
const reason = (r: CampaignResult, name: string) => r.byVariant.get(name)?.reason ?? ''
const all = (verdict: string, names = ATTACKS) => Object.fromEntries(names.map((n) => [n, verdict]))

/** The device verifies as its default does, except that it also accepts the named images. */
function alsoAccepts(dut: FakeDut, ...names: string[]): void {
  const verify = dut.accepts
  dut.accepts = (image: SeenImage) => names.includes(image.name) || verify(image)
}

describe.concurrent('campaign: PASS', () => {
  it('a conformant device fetched from its update server rejects every attack and installs the valid image', async ({ expect }) => {
    const s = await fakeSession()
    const r = await campaign(s, NETWORK)
    expect(verdicts(r)).toEqual({ ...all('PASS'), [CONTROL]: 'PASS' })
    expect(reason(r, 'payload-byte')).toBe(
      'rejected the payload-byte image: still at 1.0.0; the device reported rejected (signature check failed); the DUT kept answering',
    )
    expect(reason(r, CONTROL)).toBe('installed the valid image: version 1.0.0 → 1.1.0')
    for (const o of r.byVariant.values()) expect(o.evidence?.length).toBeGreaterThan(0)
    // Every attack but the downgrade was downloaded before it was credited as rejected; the
    // announced older version is refused without a download, which counts as a rejection.
    expect(s.dut.received.map((i) => i.name)).toEqual([...ATTACKS.filter((n) => n !== 'downgrade'), CONTROL])
    expect(reason(r, 'downgrade')).toMatch(/^rejected the downgrade image: still at 1\.0\.0/)
    // The control installed, so the device was put back on its baseline afterwards.
    expect(s.dut.version).toBe('1.0.0')
  })

  it('a conformant device, once updated, refuses the version it ran before, and ends on its baseline', async ({ expect }) => {
    const s = await fakeSession({ previous: true })
    const r = await campaign(s, LOCAL)
    expect(verdicts(r)).toEqual({ ...all('PASS'), 'previous-version': 'PASS', [CONTROL]: 'PASS' })
    expect(reason(r, 'previous-version')).toMatch(/^rejected the previous-version image: still at 1\.1\.0/)
    // Offered after the control, from the valid version, and then the baseline was restored.
    expect(s.dut.received.map((i) => i.name).slice(-2)).toEqual([CONTROL, 'previous-version'])
    expect(s.dut.version).toBe('1.0.0')
  })

  it('the previous version is not offered when the valid image did not install', async ({ expect }) => {
    const s = await fakeSession({ previous: true })
    s.dut.accepts = () => false
    const r = await campaign(s, LOCAL)
    expect(r.byVariant.get('previous-version')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'not attempted: the valid image was not seen installed, so there is no newer version to go back from',
    })
    expect(s.dut.received.map((i) => i.name)).not.toContain('previous-version')
  })

  it('a conformant device handed the images with deliver-image rejects every upload and installs the valid one', async ({ expect }) => {
    const s = await fakeSession()
    const r = await campaign(s, LOCAL)
    expect(verdicts(r)).toEqual({ ...all('PASS'), [CONTROL]: 'PASS' })
    expect(reason(r, 'truncated')).toBe(
      'rejected the truncated image: still at 1.0.0; the device reported rejected (signature check failed); upload: this file is not a valid update for this device; the DUT kept answering',
    )
    expect(s.dut.received.map((i) => `${i.name}/${i.via}`)).toEqual([...ATTACKS, CONTROL].map((n) => `${n}/upload`))
  })

  it('a conformant device told to fetch each image by URL fetches it from the emulator and rejects the attacks', async ({ expect }) => {
    const s = await fakeSession({ deliverMode: 'url' })
    const r = await campaign(s, LOCAL)
    expect(verdicts(r)).toEqual({ ...all('PASS'), [CONTROL]: 'PASS' })
    const fetched = s.server
      .hits()
      .filter((h) => h.route === 'image')
      .map((h) => h.path)
    expect(fetched).toEqual([...ATTACKS, CONTROL].map((n) => `/images/${n}`))
  })

  it('units 5.3-1-2a, 5.3-2-2a/2b and 5.3-9-2a/b/c read one campaign per mechanism', async ({ expect }) => {
    const s = await fakeSession()
    const u = (id: string, variant?: string) => runUnit(s, id, { target: NETWORK, ...(variant && { variant }) })
    expect(await u('5.3-1-2a')).toMatchObject({ verdict: 'PASS', reason: `rejected ${ATTACKS.join(', ')}` })
    expect(await u('5.3-2-2a')).toMatchObject({
      verdict: 'PASS',
      reason: expect.stringMatching(
        /^7 attacks served by the update-server emulator: payload-byte, .*downgrade; impostor servers are tried under 5\.3-10$/,
      ),
    })
    for (const v of [...ATTACKS, CONTROL]) expect(await u('5.3-2-2b', v)).toMatchObject({ verdict: 'PASS', source: 'observed' })
    expect(await u('5.3-9-2a')).toMatchObject({ verdict: 'PASS', reason: 'rejected payload-byte, truncated' })
    expect(await u('5.3-9-2b')).toMatchObject({ verdict: 'PASS', reason: 'rejected signature-removed, untrusted-key' })
    expect(await u('5.3-9-2c')).toMatchObject({ verdict: 'PASS', reason: 'rejected manifest-byte, wrong-hardware' })
    // Ten units, one campaign: each image was put in front of the device once.
    expect(s.dut.received).toHaveLength(ATTACKS.length)
  })

  it('5.3-2-2a names the deliver-image operation for a pushed mechanism', async ({ expect }) => {
    const s = await fakeSession()
    expect(await runUnit(s, '5.3-2-2a', { target: LOCAL })).toMatchObject({
      verdict: 'PASS',
      reason: expect.stringMatching(/^7 attacks delivered with the deliver-image operation: /),
    })
    expect(s.dut.received).toHaveLength(0) // devising attacks needs no device
  })
})

describe.concurrent('campaign: FAIL', () => {
  it('a device that accepts an unsigned image fails that attack, and the units resting on its family', async ({ expect }) => {
    const s = await fakeSession()
    alsoAccepts(s.dut, 'signature-removed')
    const r = await campaign(s, NETWORK)
    expect(verdicts(r)).toEqual({ ...all('PASS'), 'signature-removed': 'FAIL', [CONTROL]: 'PASS' })
    expect(reason(r, 'signature-removed')).toBe(
      'installed the signature-removed image: version 1.0.0 → 1.1.0; the device reported installed',
    )
    // It was put back on the baseline before the next attack, which it then rejected from 1.0.0.
    expect(s.dut.calls.filter((op) => op === 'restore').length).toBe(2)
    expect(reason(r, 'untrusted-key')).toMatch(/still at 1\.0\.0/)

    const u = (id: string, variant?: string) => runUnit(s, id, { target: NETWORK, ...(variant && { variant }) })
    expect(await u('5.3-2-2b', 'signature-removed')).toMatchObject({ verdict: 'FAIL', reason: reason(r, 'signature-removed') })
    expect(await u('5.3-9-2b')).toMatchObject({ verdict: 'FAIL', reason: reason(r, 'signature-removed') })
    expect((await u('5.3-9-2b')).evidence?.length).toBeGreaterThan(0)
    expect(await u('5.3-9-2a')).toMatchObject({ verdict: 'PASS' })
    expect(await u('5.3-1-2a')).toMatchObject({ verdict: 'FAIL', reason: reason(r, 'signature-removed') })
  })

  it('a device without anti-rollback installs the genuine older image', async ({ expect }) => {
    const s = await fakeSession()
    s.dut.antiRollback = false
    const r = await campaign(s, NETWORK)
    expect(r.byVariant.get('downgrade')).toMatchObject({
      kind: 'downgrade',
      verdict: 'FAIL',
      reason: 'installed the downgrade image: version 1.0.0 → 0.9.0; the device reported installed',
    })
    expect(verdicts(r)).toEqual({ ...all('PASS'), downgrade: 'FAIL', [CONTROL]: 'PASS' })
  })

  it('a device whose anti-rollback stops at its factory version goes back to it once updated', async ({ expect }) => {
    const s = await fakeSession({ previous: true })
    s.dut.factoryFloor = true
    const r = await campaign(s, NETWORK)
    expect(r.byVariant.get('previous-version')).toMatchObject({
      kind: 'downgrade',
      verdict: 'FAIL',
      reason: expect.stringMatching(/^installed the previous-version image: version 1\.1\.0 → 1\.0\.0/),
    })
    // The older image is still refused from the baseline: only the relative test shows the flaw.
    expect(verdicts(r)).toEqual({ ...all('PASS'), 'previous-version': 'FAIL', [CONTROL]: 'PASS' })
    expect(await runUnit(s, '5.3-2-2b', { target: NETWORK, variant: 'previous-version' })).toMatchObject({ verdict: 'FAIL' })
  })

  it('a device that installs nothing fails the control, and its rejections prove nothing', async ({ expect }) => {
    const s = await fakeSession()
    s.dut.accepts = () => false
    const r = await campaign(s, LOCAL)
    expect(r.byVariant.get(CONTROL)).toMatchObject({
      verdict: 'FAIL',
      reason:
        'did not install the valid image 1.1.0: still at 1.0.0; the device reported rejected (signature check failed); upload: this file is not a valid update for this device',
    })
    expect(verdicts(r)).toEqual({ ...all('INCONCLUSIVE'), [CONTROL]: 'FAIL' })
    expect(reason(r, 'payload-byte')).toMatch(
      /^rejected the payload-byte image: .* — but the valid image could not be shown to install either, so the rejection proves nothing$/,
    )
    expect(await runUnit(s, '5.3-1-2a', { target: LOCAL })).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringContaining('proves nothing'),
    })
  })
})

describe.concurrent('campaign: INCONCLUSIVE', () => {
  it('a device already on the version the attacks claim is not attacked', async ({ expect }) => {
    const s = await fakeSession({ dut: new FakeDut({ version: '1.1.0' }) })
    const r = await campaign(s, NETWORK)
    expect(verdicts(r)).toEqual({ ...all('INCONCLUSIVE'), [CONTROL]: 'INCONCLUSIVE' })
    expect(reason(r, CONTROL)).toBe(
      'the DUT already runs 1.1.0, the version the attack images claim; bring it back to an older version first',
    )
    expect(s.dut.received).toEqual([])
  })

  it('a device that stops answering after an attack leaves that attack and the rest open', async ({ expect }) => {
    const s = await fakeSession()
    s.dut.fault = (op, d) => (op === 'identify' && d.received.some((i) => i.name === 'manifest-byte') ? timeout('identify') : undefined)
    const r = await campaign(s, NETWORK)
    expect(reason(r, 'manifest-byte')).toBe('the DUT stopped answering after the manifest-byte image was delivered')
    expect(reason(r, 'truncated')).toBe('not attempted: the DUT stopped answering during the manifest-byte attempt')
    expect(reason(r, CONTROL)).toBe('not attempted: the DUT stopped answering during the manifest-byte attempt')
    // payload-byte was rejected, but without a control that installed the rejection proves nothing.
    expect(reason(r, 'payload-byte')).toMatch(/proves nothing$/)
    expect(verdicts(r)).toEqual({ ...all('INCONCLUSIVE'), [CONTROL]: 'INCONCLUSIVE' })
    expect(s.dut.received.map((i) => i.name)).toEqual(['payload-byte', 'manifest-byte'])
    // The unit resting on that attack says why it stays open.
    expect(await runUnit(s, '5.3-9-2c', { target: NETWORK })).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringContaining('manifest-byte: the DUT stopped answering after the manifest-byte image was delivered'),
    })
  })

  it('a delivery that fails leaves that attempt open with the device error and stops the campaign', async ({ expect }) => {
    const s = await fakeSession()
    s.dut.fault = (op) => (op === 'deliver-image' ? new DutError('E_DUT_UNREACHABLE', 'deliver-image', 'connection refused') : undefined)
    const r = await campaign(s, LOCAL)
    expect(reason(r, 'payload-byte')).toBe('the payload-byte attempt broke off: deliver-image: connection refused')
    expect(reason(r, 'downgrade')).toBe(
      'not attempted: the DUT stopped answering properly during the payload-byte attempt (deliver-image: connection refused)',
    )
    expect(verdicts(r)).toEqual({ ...all('INCONCLUSIVE'), [CONTROL]: 'INCONCLUSIVE' })
    expect(s.dut.calls.filter((op) => op === 'deliver-image')).toHaveLength(1)
  })

  it('a device that never contacts its update server attempted nothing, the control included', async ({ expect }) => {
    const s = await fakeSession({ observationSeconds: 0.05 })
    s.dut.contactsServer = false
    const r = await campaign(s, NETWORK)
    expect(reason(r, 'payload-byte')).toBe(
      'the device never fetched the payload-byte image (it never contacted the update server after the offer)',
    )
    // It never saw the valid image: not installing it is no failure it can be blamed for.
    expect(r.byVariant.get(CONTROL)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the device never fetched the valid image (it never contacted the update server after the offer)',
    })
    expect(verdicts(r)).toEqual({ ...all('INCONCLUSIVE'), [CONTROL]: 'INCONCLUSIVE' })
    expect(s.dut.checks).toBe(0)
  })

  it('a device that asks but downloads nothing is not credited with rejecting, nor blamed for not installing', async ({ expect }) => {
    const s = await fakeSession({ outcomeTimeoutMs: 50 })
    s.dut.downloads = () => false
    const r = await campaign(s, NETWORK)
    expect(reason(r, 'payload-byte')).toBe(
      'the device never fetched the payload-byte image (it asked the update server 1 time(s) but did not download it)',
    )
    expect(r.byVariant.get(CONTROL)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the device never fetched the valid image (it asked the update server 1 time(s) but did not download it)',
    })
    expect(verdicts(r)).toEqual({ ...all('INCONCLUSIVE'), [CONTROL]: 'INCONCLUSIVE' })
    expect(s.dut.received).toEqual([])
  })

  it('a refusal of a detached update counts only once the device downloaded the part that carries the change', async ({ expect }) => {
    const attacks = [
      { name: 'payload-byte', kind: 'bit-flip', tamperedPart: 'payload' },
      { name: 'manifest-byte', kind: 'manifest' },
    ]
    // Refusing after reading only the intact manifest: nothing shows it ever saw the changed payload.
    const lazy = await fakeSession({ attacks, outcomeTimeoutMs: 50 })
    lazy.dut.fetchesParts = false
    const r = await campaign(lazy, NETWORK)
    expect(r.byVariant.get('payload-byte')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/^the device never fetched the payload-byte image/),
    })
    // The change of manifest-byte lies in the manifest itself: reading it is receiving the attack.
    expect(r.byVariant.get('manifest-byte')).toMatchObject({ verdict: 'PASS' })

    const thorough = await fakeSession({ attacks })
    const done = await campaign(thorough, NETWORK)
    expect(done.byVariant.get('payload-byte')).toMatchObject({
      verdict: 'PASS',
      reason: expect.stringMatching(/^rejected the payload-byte image/),
    })
    alsoAccepts(thorough.dut, 'payload-byte')
    const flawed = await campaign(await fakeSession({ attacks, dut: thorough.dut }), NETWORK)
    expect(flawed.byVariant.get('payload-byte')).toMatchObject({ verdict: 'FAIL' })
  })
  it('a client in back-off that stops asking before the valid image is offered does not fail the control', async ({ expect }) => {
    const s = await fakeSession({ observationSeconds: 0.05 })
    // It checks for every attack, then backs off after the last one: the valid image is never asked for.
    s.dut.fault = (op, d) => {
      if (op === 'check-now' && d.received.some((i) => i.name === 'wrong-hardware')) d.contactsServer = false
      return undefined
    }
    const r = await campaign(s, NETWORK)
    expect(await runUnit(s, '5.3-2-2b', { target: NETWORK, variant: CONTROL })).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the device never fetched the valid image (it never contacted the update server after the offer)',
    })
    // Its rejections stand on nothing either: a device that installs nothing would look the same.
    expect(reason(r, 'payload-byte')).toMatch(/proves nothing$/)
    expect(await runUnit(s, '5.3-1-2a', { target: NETWORK })).toMatchObject({ verdict: 'INCONCLUSIVE' })
  })

  it('a device that installed an attack and cannot be restored leaves the rest unattempted', async ({ expect }) => {
    const s = await fakeSession({ dut: new FakeDut({ operations: operationsWithout('restore') }) })
    alsoAccepts(s.dut, 'payload-byte')
    const r = await campaign(s, LOCAL)
    expect(r.byVariant.get('payload-byte')).toMatchObject({
      verdict: 'FAIL',
      reason: expect.stringMatching(/^installed the payload-byte image: version 1\.0\.0 → 1\.1\.0/),
    })
    const offBaseline =
      'not attempted: the DUT left its baseline 1.0.0 after the payload-byte attempt and the baseline could not be restored (device on 1.1.0, baseline 1.0.0): the profile declares no restore'
    expect(reason(r, 'manifest-byte')).toBe(offBaseline)
    expect(r.byVariant.get(CONTROL)).toMatchObject({ verdict: 'INCONCLUSIVE', reason: offBaseline })
    // The FAIL stands whatever followed: installing a tampered image was observed.
    expect(await runUnit(s, '5.3-9-2a', { target: LOCAL })).toMatchObject({ verdict: 'FAIL' })
  })

  it('a restore that fails, or leaves the device elsewhere, stops the campaign with the versions seen', async ({ expect }) => {
    const s = await fakeSession()
    alsoAccepts(s.dut, 'payload-byte')
    s.dut.fault = (op) =>
      op === 'restore' ? new DutError('E_DUT_REFUSED', 'restore', 'the device refused POST /restore (403)') : undefined
    const r = await campaign(s, LOCAL)
    expect(reason(r, 'manifest-byte')).toBe(
      'not attempted: the DUT left its baseline 1.0.0 after the payload-byte attempt and the baseline could not be restored (device on 1.1.0, baseline 1.0.0): restore failed: restore: the device refused POST /restore (403)',
    )
    const t = await fakeSession()
    alsoAccepts(t.dut, 'payload-byte')
    // The restore "succeeds" but the device stays on the version it installed.
    t.dut.restore = async () => undefined
    const u = await campaign(t, LOCAL)
    expect(reason(u, 'manifest-byte')).toBe(
      'not attempted: the DUT left its baseline 1.0.0 after the payload-byte attempt and the baseline could not be restored (device on 1.1.0, baseline 1.0.0): restore did not bring it back',
    )
    expect(verdicts(u)).toEqual({ ...all('INCONCLUSIVE'), 'payload-byte': 'FAIL', [CONTROL]: 'INCONCLUSIVE' })
  })

  it('a device taken off its baseline before the campaign is put back first', async ({ expect }) => {
    const s = await fakeSession({ dut: new FakeDut({ operations: operationsWithout('factory-reset') }) })
    await s.baseline()
    // Another experiment left it on a version of its own.
    s.dut.version = '1.0.5'
    const r = await campaign(s, LOCAL)
    expect(verdicts(r)).toEqual({ ...all('PASS'), [CONTROL]: 'PASS' })
    expect(reason(r, CONTROL)).toBe('installed the valid image: version 1.0.0 → 1.1.0')
    const t = await fakeSession({ dut: new FakeDut({ operations: operationsWithout('factory-reset', 'restore') }) })
    await t.baseline()
    t.dut.version = '1.0.5'
    const u = await campaign(t, LOCAL)
    expect(reason(u, CONTROL)).toBe(
      'not attempted: the baseline could not be restored (device on 1.0.5, baseline 1.0.0): the profile declares no restore',
    )
    expect(t.dut.received).toEqual([])
  })

  it('without attack images there is nothing to attempt', async ({ expect }) => {
    const s = await fakeSession({ attacks: [] })
    expect(await runUnit(s, '5.3-2-2a', { target: NETWORK })).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'no attack image could be prepared: give images in the DUT profile',
    })
    expect(await runUnit(s, '5.3-1-2a', { target: NETWORK })).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'no attack image of this kind could be prepared for the DUT',
    })
    expect(await runUnit(s, '5.3-2-2b', { target: NETWORK, variant: 'payload-byte' })).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'no attack named payload-byte was prepared for this run',
    })
  })

  it('a family without an attack image stays open while the others are decided', async ({ expect }) => {
    const s = await fakeSession({ attacks: [{ name: 'payload-byte', kind: 'bit-flip' }] })
    expect(await runUnit(s, '5.3-9-2a', { target: NETWORK })).toMatchObject({ verdict: 'PASS', reason: 'rejected payload-byte' })
    expect(await runUnit(s, '5.3-9-2b', { target: NETWORK })).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'no attack image of this kind could be prepared for the DUT',
    })
  })

  it('a mechanism the profile does not drive is not attacked', async ({ expect }) => {
    const s = await fakeSession({ mechanisms: { [NETWORK]: 'update-server' } })
    expect(await runUnit(s, '5.3-1-2a', { target: LOCAL })).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the DUT profile does not say how to drive UpdMech-LocalUpload (add it under mechanisms)',
    })
    expect(s.dut.calls).toEqual([])
  })
})

describe.concurrent('campaign: no verdict without its precondition', () => {
  /** What the adapters answer when read-outcome runs out of time: not an error, `unknown`. */
  const neverFinal = (s: FakeSession) => {
    s.dut.answers.readOutcome = (d) =>
      d.lastOutcome?.state === 'pending'
        ? { state: 'unknown', detail: 'no final outcome within 200 ms (still "pending")' }
        : (d.lastOutcome ?? { state: 'unknown', detail: 'no final outcome within 200 ms' })
  }

  it('final: an attack the device is still installing when the outcome wait ends is not a rejection', async ({ expect }) => {
    const s = await fakeSession()
    neverFinal(s)
    // A flawed device: it accepts the unsigned image, and installing it takes longer than the wait.
    alsoAccepts(s.dut, 'signature-removed')
    s.dut.installDelayMs = (i) => (i.name === 'signature-removed' ? 5_000 : 0)
    const r = await campaign(s, LOCAL)
    expect(r.byVariant.get('signature-removed')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason:
        'the device never reported a final outcome for the signature-removed image (it reported unknown (no final outcome within 200 ms (still "pending")); upload: installing); its version is unchanged, but an installation may still be under way',
    })
    // The installation under way was cut short (restore) so it could not land in a later attempt.
    expect(s.dut.calls.filter((op) => op === 'restore').length).toBe(2)
    expect(reason(r, 'untrusted-key')).toMatch(/^rejected the untrusted-key image: still at 1\.0\.0/)
    expect(r.byVariant.get(CONTROL)?.verdict).toBe('PASS')
    expect(await runUnit(s, '5.3-9-2b', { target: LOCAL })).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: expect.stringMatching(/^signature-removed: the device never reported a final outcome/),
    })
  })

  it('final: a valid image the device is still installing when the outcome wait ends does not fail the control', async ({ expect }) => {
    const s = await fakeSession()
    neverFinal(s)
    s.dut.installDelayMs = () => 5_000
    const r = await campaign(s, LOCAL)
    expect(r.byVariant.get(CONTROL)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason:
        'the device never reported a final outcome for the valid image (it reported unknown (no final outcome within 200 ms (still "pending")); upload: installing); its version is unchanged, but an installation may still be under way',
    })
  })

  it('final: without any outcome report, the unchanged version after the wait decides', async ({ expect }) => {
    // Each attempt is watched 2 s for a late installation: two attacks keep the test short.
    const s = await fakeSession({
      dut: new FakeDut({ operations: operationsWithout('read-outcome') }),
      attacks: [
        { name: 'payload-byte', kind: 'bit-flip' },
        { name: 'truncated', kind: 'truncation' },
      ],
    })
    alsoAccepts(s.dut, 'truncated')
    const r = await campaign(s, LOCAL)
    expect(verdicts(r)).toEqual({ 'payload-byte': 'PASS', truncated: 'FAIL', [CONTROL]: 'PASS' })
    expect(reason(r, 'payload-byte')).toBe(
      'rejected the payload-byte image: still at 1.0.0; upload: this file is not a valid update for this device; the DUT kept answering',
    )
  })

  it('received: an attack whose URL the device never fetched is not credited as rejected', async ({ expect }) => {
    const s = await fakeSession({ deliverMode: 'url' })
    // The device queues every URL but only gets round to fetching the valid image's.
    s.dut.fetchesUrl = (url) => url.endsWith(`/${CONTROL}`)
    const r = await campaign(s, LOCAL)
    expect(
      s.server
        .hits()
        .filter((h) => h.route === 'image')
        .map((h) => h.path),
    ).toEqual([`/images/${CONTROL}`])
    expect(verdicts(r)).toEqual({ ...all('INCONCLUSIVE'), [CONTROL]: 'PASS' })
    expect(reason(r, 'payload-byte')).toBe(
      'the device never fetched the payload-byte image from the URL it was given (it answered: download queued)',
    )
  })

  it('received: a valid image whose URL the device never fetched does not fail the control', async ({ expect }) => {
    const s = await fakeSession({ deliverMode: 'url' })
    s.dut.fetchesUrl = () => false
    const r = await campaign(s, LOCAL)
    expect(s.server.hits()).toEqual([])
    expect(r.byVariant.get(CONTROL)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the device never fetched the valid image from the URL it was given (it answered: download queued)',
    })
    expect(s.dut.calls).not.toContain('read-outcome') // nothing fetched, no outcome to wait for
  })

  it('received: an upload the device never answered, with no outcome after it, shows nothing', async ({ expect }) => {
    const s = await fakeSession()
    neverFinal(s)
    s.dut.answers.upload = () => ({ message: 'the connection was reset before the device answered' })
    const r = await campaign(s, LOCAL)
    expect(reason(r, 'payload-byte')).toBe(
      'nothing shows the device received the uploaded payload-byte image: the connection was reset before the device answered',
    )
    expect(r.byVariant.get(CONTROL)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'nothing shows the device received the uploaded valid image: the connection was reset before the device answered',
    })
    expect(s.dut.received).toEqual([])
  })

  it('received: an upload cut short that the device then reports on counts as received', async ({ expect }) => {
    const s = await fakeSession()
    // The connection drops after the image arrived; the outcome tells what the device did with it.
    const upload = s.dut.deliverImage.bind(s.dut)
    s.dut.deliverImage = async (image, options) => {
      await upload(image, options)
      return { message: 'the connection was reset before the device answered' }
    }
    const r = await campaign(s, LOCAL)
    expect(verdicts(r)).toEqual({ ...all('PASS'), [CONTROL]: 'PASS' })
  })

  it('consistent: a report of installation the version does not show leaves the attack open', async ({ expect }) => {
    const s = await fakeSession()
    s.dut.answers.readOutcome = (d) =>
      d.received.at(-1)?.name === 'wrong-hardware' ? { state: 'installed', version: '1.1.0' } : (d.lastOutcome ?? { state: 'unknown' })
    const r = await campaign(s, LOCAL)
    expect(r.byVariant.get('wrong-hardware')).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the wrong-hardware image: the device reported installed 1.1.0, but the identify operation shows still 1.0.0',
    })
  })

  it('answered: the control is not failed by a device that stopped answering after it', async ({ expect }) => {
    const s = await fakeSession()
    s.dut.accepts = () => false
    s.dut.fault = (op, d) => (op === 'identify' && d.received.some((i) => i.name === CONTROL) ? timeout('identify') : undefined)
    const r = await campaign(s, LOCAL)
    expect(r.byVariant.get(CONTROL)).toMatchObject({
      verdict: 'INCONCLUSIVE',
      reason: 'the DUT stopped answering after the valid image was delivered',
    })
  })
})

describe.concurrent('summarize', () => {
  const result = (entries: Array<[string, string, 'PASS' | 'FAIL' | 'INCONCLUSIVE']>): CampaignResult => ({
    byVariant: new Map(
      entries.map(([name, kind, verdict]) => [name, { kind, verdict, reason: `${name} ${verdict}`, evidence: [`E-${name}`] }]),
    ),
  })
  const attacksOnly = (name: string) => name !== CONTROL

  it('any FAIL fails, before anything open', ({ expect }) => {
    const r = result([
      ['a', 'bit-flip', 'INCONCLUSIVE'],
      ['b', 'bit-flip', 'FAIL'],
      [CONTROL, 'control', 'PASS'],
    ])
    expect(summarize(r, attacksOnly)).toEqual({ verdict: 'FAIL', reason: 'b FAIL', evidence: ['E-a', 'E-b'] })
  })

  it('anything open stays open, naming each', ({ expect }) => {
    const r = result([
      ['a', 'bit-flip', 'PASS'],
      ['b', 'signature', 'INCONCLUSIVE'],
    ])
    expect(summarize(r, attacksOnly)).toMatchObject({ verdict: 'INCONCLUSIVE', reason: 'b: b INCONCLUSIVE' })
  })

  it('passes when every picked attack passed; the control is not an attack', ({ expect }) => {
    const r = result([
      ['a', 'bit-flip', 'PASS'],
      ['b', 'signature', 'PASS'],
      [CONTROL, 'control', 'FAIL'],
    ])
    expect(summarize(r, attacksOnly)).toMatchObject({ verdict: 'PASS', reason: 'rejected a, b' })
    expect(summarize(r, (_n, kind) => kind === 'signature')).toMatchObject({ verdict: 'PASS', reason: 'rejected b' })
  })
})
