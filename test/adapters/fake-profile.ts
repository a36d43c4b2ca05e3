import type { DutProfileCommon } from '../../profile/types.ts'

/**
 * What every fake device's profile in the adapter tests shares, whatever its channel: the
 * channel helpers (http, mqtt, serial) add their adapter block and operations.
 */
export function fakeProfileCommon(name: string): DutProfileCommon {
  return {
    file: 'test/dut.yaml',
    name,
    timeScale: 1,
    observationSeconds: 600,
    mechanisms: {},
    publications: [],
    source: { file: 'test/dut.yaml', line: 1, column: 1 },
  }
}
