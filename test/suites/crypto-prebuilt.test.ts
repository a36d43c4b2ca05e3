// The build stores the crypto thresholds as JSON beside the YAML (scripts/build.mjs), so a compiled
// run rates algorithms from that copy: it must say what the YAML says.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readThresholdsYaml } from '../../suites/lib/crypto.ts'

// Built by the globalSetup (test/setup/build.ts) from the sources under test.
const built = new URL('../../dist/catalog/crypto-thresholds.json', import.meta.url)

describe('the crypto thresholds the build writes', () => {
  it('hold the table of catalog/crypto-thresholds.yaml', () => {
    const table = readThresholdsYaml()
    expect(Object.keys(table.signatures).length).toBeGreaterThan(0)
    expect(JSON.parse(readFileSync(built, 'utf8'))).toEqual(table)
  })
})
