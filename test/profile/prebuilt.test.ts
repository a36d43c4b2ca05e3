import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ErrorObject, ValidateFunction } from 'ajv'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { CHANNELS } from '../../adapters/registry.ts'
import { newAjv } from '../../core/ajv.ts'
import { composeProfileSchema, fingerprintOf } from '../../profile/schema.ts'

// Built by the globalSetup (test/setup/build.ts) from the sources under test.
const built = new URL('../../dist/profile/validator.js', import.meta.url)
const prebuilt = (await import(built.href)) as { fingerprint: string; validate: ValidateFunction }

const schema = composeProfileSchema(CHANNELS)
const compiled = newAjv({ allErrors: true, strict: true, verbose: true, useDefaults: true }, ['date', 'uri']).compile(schema)

const profiles = ['examples/devices', 'examples/reference-dut/profiles'].flatMap((dir) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f)),
)

/** What a finding is made of; the schema objects verbose errors carry are compared by their path. */
const shape = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? []).map(({ instancePath, schemaPath, keyword, params, message, data }) => ({
    instancePath,
    schemaPath,
    keyword,
    params,
    message,
    data,
  }))

function judged(validate: ValidateFunction, doc: unknown) {
  const copy = structuredClone(doc)
  const valid = validate(copy)
  return { valid, errors: shape(validate.errors), filled: copy }
}

describe('the DUT profile validator the build writes', () => {
  it('is made from the schema the channels compose now', () => {
    expect(prebuilt.fingerprint).toBe(fingerprintOf(schema))
  })

  it('judges and fills in every example profile as the schema compiled at run time does', () => {
    expect(profiles.length).toBeGreaterThan(3)
    for (const file of profiles) {
      const doc: unknown = parse(readFileSync(file, 'utf8'))
      const want = judged(compiled, doc)
      expect(want.valid, file).toBe(true)
      expect(judged(prebuilt.validate, doc), file).toEqual(want)
    }
  })

  it('finds the same errors in a broken profile', () => {
    const doc = parse(readFileSync(profiles[0]!, 'utf8')) as Record<string, unknown>
    const broken = { ...doc, timeScale: 'fast', unknownKey: 1, adapter: { kind: 'carrier-pigeon' } }
    const want = judged(compiled, broken)
    expect(want.valid).toBe(false)
    expect(want.errors.length).toBeGreaterThan(2)
    expect(judged(prebuilt.validate, broken)).toEqual(want)
  })
})
