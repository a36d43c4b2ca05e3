/**
 * An observation layer around a device without an API (adapters/none) and a profile that says
 * only what the tests set: where the facts come from, and the emulator routes the device uses.
 */
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NoneDut } from '../../../adapters/none/index.ts'
import type { Dut } from '../../../core/dut.ts'
import { EvidenceLog } from '../../../core/evidence.ts'
import { Observer, type HitSource } from '../../../harness/observe/index.ts'
import type { DutProfile, EmulatorRoute, ObserveSection } from '../../../profile/types.ts'

export function observeProfile(observe: ObserveSection, routes: EmulatorRoute[] = [], adapter?: DutProfile['adapter']): DutProfile {
  // In a folder that exists: probes run in the profile's folder.
  const file = join(tmpdir(), 'ts701-observe-dut.yaml')
  return {
    file,
    name: 'observed device',
    source: { file, line: 1, column: 1 },
    adapter: adapter ?? { kind: 'none', timeouts: { defaultMs: 300, operations: {} } },
    timeScale: 1,
    observationSeconds: 1,
    operations: {},
    mechanisms: {},
    publications: [],
    observe,
    updateServer: { host: '127.0.0.1', port: 0, imagePath: '/images/{{image.name}}', routes },
  }
}

export interface Observing {
  observe: Observer
  evidence: EvidenceLog
}

const open = new Set<Observer>()

/** Observers made here, closed by `closeObservers` (MQTT subscribers hold a connection). */
export function observing(
  profile: DutProfile,
  o: { evidence?: EvidenceLog; emulator?: () => Promise<HitSource>; dut?: Dut; credentials?: Record<string, string> } = {},
): Observing {
  const evidence = o.evidence ?? new EvidenceLog()
  const observe = new Observer({
    profile,
    dut: o.dut ?? new NoneDut(profile.name),
    evidence,
    emulator: o.emulator ?? (() => Promise.reject(new Error('no emulator in this test'))),
    credentials: o.credentials ?? {},
  })
  open.add(observe)
  return { observe, evidence }
}

export async function closeObservers(): Promise<void> {
  await Promise.all([...open].map((o) => o.close()))
  open.clear()
}
