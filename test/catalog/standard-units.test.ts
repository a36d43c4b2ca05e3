// Catalog fidelity: each edition's units are the standard's units, by ID and meaning, and say
// what they rest on. The tables below are kept by hand against the standards (TS 103 701 V1.1.1
// clause 5.3 for EN 303 645 V2.1.1; for V3.1.3, whose TS 103 701 V2.1.1 unit lists are not public,
// ts701's reading of the provisions). A unit the catalog gains, loses or renames fails here until
// the table says so; a unit of ts701's own must carry origin ts701 and be listed as an addition.
import { describe, expect, it } from 'vitest'
import { loadEdition } from '../../catalog/editions.ts'
import type { UnitBasis } from '../../catalog/types.ts'

type Table = ReadonlyArray<readonly [id: string, meaning: string]>

/** EN 303 645 V2.1.1 / TS 103 701 V1.1.1: unit IDs and meanings as the published text has them. */
const V2_UNITS: Table = [
  ['5.3-1-1a', 'a component without an update mechanism has a justification based on practicability or security'],
  ['5.3-1-1b', 'every update mechanism a component refers to resists misuse (units of 5.3-2-1)'],
  ['5.3-1-2a', 'misuse attacks against every referenced update mechanism fail on the DUT (units of 5.3-2-2)'],
  ['5.3-2-1a', 'the documented design prevents misuse such as installing an older update or injecting code into a valid one'],
  ['5.3-2-2a', 'devise misuse attacks for the mechanism (interception, resumed steps, downgrade, altered bytes, replay)'],
  ['5.3-2-2b', 'attempt the attacks; the DUT shows no sign of misuse'],
  ['5.3-3-1a', 'each updatable component has at least one mechanism that is automatic, app- or web-UI-driven, or comparably simple'],
  ['5.3-4-1a', 'each updatable component has a mechanism that checks and installs without user interaction'],
  ['5.3-4-1b', 'where automation is configurable, an automatic mechanism of the component is on by default'],
  [
    '5.3-5-1a',
    'each updatable component has a mechanism whose check is triggered by the device after initialization and then periodically',
  ],
  ['5.3-6-1a', 'identify which mechanisms update automatically'],
  ['5.3-6-1b', 'the user can enable, disable or postpone automatic installation (one of them suffices)'],
  ['5.3-6-1c', 'automatic updates are on in the initialized state'],
  ['5.3-6-1d', 'the user can enable, disable or postpone update notifications (one of them suffices)'],
  ['5.3-6-1e', 'update notifications are on in the initialized state'],
  ['5.3-6-2a', 'automatic updates are on in the initialized state of the DUT'],
  ['5.3-6-2b', 'enabling, disabling and postponing automatic updates works as described'],
  ['5.3-6-2c', 'update notifications are on in the initialized state of the DUT'],
  ['5.3-6-2d', 'enabling, disabling and postponing notifications works as described'],
  ['5.3-7-1a', 'the security guarantees include integrity and authenticity'],
  ['5.3-7-1b', 'the described mechanism actually achieves those guarantees'],
  ['5.3-7-1c', 'the primitives, parameters and protocols are best practice for the device lifetime'],
  ['5.3-7-1d', 'no attack is known to be feasible at basic attack potential'],
  ['5.3-8-1a', 'the update procedure and its time frame support timely deployment'],
  ['5.3-8-1b', 'the supplier confirms that the update procedures are followed'],
  ['5.3-9-1a', 'authenticity (source and target) is checked before installation'],
  ['5.3-9-1b', 'integrity is checked before installation'],
  ['5.3-9-1c', 'the DUT itself checks authenticity'],
  ['5.3-9-1d', 'the DUT itself checks integrity'],
  ['5.3-10-1a', 'authenticity and integrity of network-delivered updates are checked (units a and b of 5.3-9-1)'],
  [
    '5.3-10-1b',
    'the check relies on a valid trust relationship (authenticated channel, signature, secret-protected network, user confirmation)',
  ],
  ['5.3-10-1c', 'the DUT offers no network update mechanism beyond those in IXIT 7'],
  ['5.3-11-1a', 'a required security update is announced recognizably and apparently'],
  ['5.3-11-1b', 'the announcement names the risks the update mitigates'],
  ['5.3-12-1a', 'disruption of basic functioning is announced on the device (met when nothing is disrupted)'],
  ['5.3-13-1a', 'the way to the support period publication is understandable for a user with limited technical knowledge'],
  ['5.3-13-2a', 'the publication is reachable as described'],
  ['5.3-13-2b', 'reaching it needs no registration or login'],
  ['5.3-13-2c', 'the publication states the support period'],
  ['5.3-14-1a', 'the way to the publication on non-updatable software and to the replacement documentation is understandable'],
  ['5.3-14-2a', 'the publication is reached the way the IXIT describes'],
  ['5.3-14-2b', 'the publication is open to anyone, without registration or login'],
  ['5.3-14-2c', 'the publication gives the rationale for the absence of updates'],
  ['5.3-14-2d', 'the published replacement support gives the period and the method of hardware replacement'],
  ['5.3-14-2e', 'the publication states a defined support period'],
  ['5.3-15-1a', 'the isolation method is suitable'],
  ['5.3-15-1b', 'the hardware replacement method is suitable'],
  ['5.3-15-2a', 'the product is set up in the environment it is meant for'],
  ['5.3-15-2b', 'the product is isolated by the method the IXIT describes'],
  ['5.3-15-2c', 'isolated, it loses only what needs the connection (or, in a closed environment, the devices there stay intact)'],
  ['5.3-15-2d', 'the hardware is replaced by the method the IXIT describes'],
  ['5.3-15-2e', 'the replacement regains the connectivity and the functions that go with it'],
  ['5.3-16-1a', 'the model designation can be read from a label or a physical interface'],
  ['5.3-16-2a', 'the designation is obtained the way the IXIT describes'],
  ['5.3-16-2b', 'the designation obtained is plain text and equals the IXIT'],
]

/**
 * EN 303 645 V3.1.3 / TS 103 701 V2.1.1, ts701's reading of the provisions: the V2.1.1 units where
 * a provision did not change, less those it dropped, with its own where it changed.
 */
const V3_DROPPED = new Set([
  ...['5.3-4-1a', '5.3-4-1b', '5.3-6-1a', '5.3-6-1b', '5.3-6-1c', '5.3-6-1d', '5.3-6-1e'],
  ...['5.3-6-2a', '5.3-6-2b', '5.3-6-2c', '5.3-6-2d', '5.3-14-2e'],
  ...['5.3-15-1a', '5.3-15-1b', '5.3-15-2a', '5.3-15-2b', '5.3-15-2c', '5.3-15-2d', '5.3-15-2e'],
])
const V3_OWN: Table = [
  ['5.3-1-1a', 'a component that is neither updatable nor immutable for security reasons has a justification'],
  ['5.3-4A-1a', 'at least one update mechanism of the device can run automatically, checking and installing without user interaction'],
  ['5.3-4A-2a', 'configured for automatic updates, the DUT installs a new update without user interaction'],
  ['5.3-4B-1a', 'initialization asks the user to consent to automatic security updates and enables them on consent'],
  ['5.3-4B-1b', 'with consent given, automatic security updates are on in the initialized state'],
  ['5.3-4B-2a', 'after initialization with consent, automatic security updates are on'],
  [
    '5.3-5-1a',
    'each updatable component has a mechanism whose check is triggered by the device or an associated service after initialization',
  ],
  ['5.3-6A-1a', 'identify which mechanisms update automatically'],
  ['5.3-6A-1b', 'the user can enable, disable and postpone automatic installation'],
  ['5.3-6A-2a', 'enabling, disabling and postponing automatic updates works as described'],
  ['5.3-6B-1a', 'identify which mechanisms notify the user of updates'],
  ['5.3-6B-1b', 'the user can enable and disable update notifications'],
  ['5.3-6B-2a', 'enabling and disabling notifications works as described'],
  ['5.3-9-2a', 'an image with a flipped bit is rejected before it is committed'],
  ['5.3-9-2b', 'an image with a forged or missing signature is rejected before it is committed'],
  ['5.3-9-2c', 'a tampered manifest or header is rejected before it is committed'],
  ['5.3-15A-1a', 'the isolation method is suitable'],
  ['5.3-15A-2a', 'isolating the product loses only connectivity'],
  ['5.3-15B-1a', 'the hardware replacement method is suitable'],
  ['5.3-15B-2a', 'replacing the hardware restores the functionality'],
  ['5.3-16-1a', 'the model designation can be read from a label or a user interface'],
]
const V3_UNITS: Table = [...V2_UNITS.filter(([id]) => !V3_DROPPED.has(id) && !V3_OWN.some(([own]) => own === id)), ...V3_OWN]

/** Units ts701 adds to corroborate the standard's own, and why. */
const ADDITIONS: Record<string, string> = {
  '5.3-5-2a': 'after a restart the device checks its update server on its own (observed)',
  '5.3-5-2b': 'it keeps checking periodically without being asked (observed; V2.1.1 only, V3.1.3 asks for no periodic check)',
  '5.3-5-2c': 'the measured check period agrees with the one the IXIT states',
  '5.3-10-1d': 'the device refuses update servers with impostor certificates',
}

const EDITIONS: Array<[string, Table, UnitBasis]> = [
  ['en303645-v2.1.1', V2_UNITS, 'text'],
  ['en303645-v3.1.3', V3_UNITS, 'reading'],
]

describe.each(EDITIONS)('the units of %s', (id, table, basis) => {
  const units = loadEdition(id).groups.flatMap((g) => g.cases.flatMap((c) => c.units))

  it('are the standard units of the table, each resting on the basis the table gives, plus marked additions', () => {
    const listed = new Map(table)
    expect(listed.size, 'the table lists a unit twice').toBe(table.length)
    const standard = units.filter((u) => u.origin === undefined)
    expect(
      standard.map((u) => u.id).filter((u) => !listed.has(u)),
      'units not in the standard (mark them origin: ts701)',
    ).toEqual([])
    expect(
      table.map(([u]) => u).filter((u) => !standard.some((s) => s.id === u)),
      'standard units missing from the catalog',
    ).toEqual([])
    for (const u of standard) expect(u.basis, u.id).toBe(basis)
    const added = units.filter((u) => u.origin === 'ts701')
    expect(
      added.map((u) => u.id).filter((u) => !(u in ADDITIONS)),
      'additions not listed',
    ).toEqual([])
    for (const u of added) expect(u.basis, `${u.id} is ts701's, not the standard's`).toBeUndefined()
  })

  it('give each unit its one-line meaning', () => {
    const listed = new Map(table)
    for (const u of units.filter((x) => x.origin === undefined)) expect(u.gist, u.id).toBe(listed.get(u.id))
  })
})
