import { readFileSync } from 'node:fs'
import Ajv2020Module from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { undocumentedProperties } from '../schema-help.ts'
import { isRecord } from '../../ixit/documents.ts'
import { CHANNELS } from '../../adapters/registry.ts'
import { composeProfileSchema, PROFILE_SCHEMA_FILE, profileSchemaText } from '../../profile/schema.ts'

describe('the DUT profile JSON Schema', () => {
  const schema = composeProfileSchema(CHANNELS)

  it('is committed for editors exactly as the registered channels compose it', () => {
    // Editors read profile/dut.schema.json; the loader validates with the composed schema.
    expect(
      readFileSync(PROFILE_SCHEMA_FILE, 'utf8') === profileSchemaText(CHANNELS),
      'profile/dut.schema.json is stale: run npm run schema',
    ).toBe(true)
  })

  it('compiles under ajv strict mode (draft 2020-12)', () => {
    const ajv = new Ajv2020Module.default({ strict: true, allErrors: true })
    addFormatsModule.default(ajv)
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.$id).toBe('https://ts701.dev/schemas/dut.schema.json')
    expect(() => ajv.compile(schema)).not.toThrow()
  })

  it('gives editors help on every property', () => {
    expect(undocumentedProperties(schema)).toEqual([])
  })

  it('forbids unknown properties in every object', () => {
    const defs = isRecord(schema.$defs) ? schema.$defs : {}
    const open: string[] = []
    const visit = (node: unknown, path: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${path}/${i}`))
      if (!isRecord(node)) return
      if (node.type === 'object' && node.additionalProperties === undefined) open.push(path)
      // Open only where every kind closes its own schema (the adapter: one schema per kind).
      if (node.additionalProperties === true && !closedByBranches(node, defs)) open.push(path)
      for (const [key, value] of Object.entries(node)) {
        // An `if` only asks which rules apply; it constrains nothing.
        if (key !== 'if') visit(value, `${path}/${key}`)
      }
    }
    visit(schema, '#')
    expect(open).toEqual([])
  })

  it('selects the adapter settings and the operation map by adapter.kind', () => {
    const defs = isRecord(schema.$defs) ? schema.$defs : {}
    const adapter = defs.adapter as Record<string, unknown>
    expect((adapter.properties as { kind: { enum: string[] } }).kind.enum).toEqual(['http', 'mqtt', 'serial', 'none'])
    const thenRefs = (node: unknown) =>
      (Array.isArray(node) ? node : []).map((b) => (b as { then: { $ref?: string; properties?: { operations: { $ref: string } } } }).then)
    expect(thenRefs(adapter.allOf).map((t) => t.$ref)).toEqual([
      '#/$defs/httpAdapter',
      '#/$defs/mqttAdapter',
      '#/$defs/serialAdapter',
      '#/$defs/noneAdapter',
    ])
    expect(thenRefs(schema.allOf).map((t) => t.properties?.operations.$ref)).toEqual([
      '#/$defs/httpOperations',
      '#/$defs/mqttOperations',
      '#/$defs/serialOperations',
      '#/$defs/noneOperations',
    ])
  })

  it('documents the defaults the loader fills in', () => {
    const defaults: Record<string, unknown> = {}
    const visit = (node: unknown, path: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${path}/${i}`))
      if (!isRecord(node)) return
      if ('default' in node) defaults[path] = node.default
      for (const [key, value] of Object.entries(node)) visit(value, `${path}/${key}`)
    }
    visit(schema, '#')
    expect(defaults).toMatchObject({
      '#/properties/timeScale': 1,
      '#/properties/observationSeconds': 600,
      '#/properties/mechanisms': {},
      '#/properties/publications': [],
      '#/$defs/httpAdapter/properties/lenient': false,
      '#/$defs/timeouts/properties/defaultMs': 5000,
      '#/$defs/updateServer/properties/imagePath': '/images/{{image.name}}',
      // Only poll mode polls: the other modes forbid intervalMs, so its default is poll's.
      '#/$defs/httpOutcome/allOf/0/then/properties/intervalMs': 500,
      '#/$defs/httpOutcome/properties/timeoutMs': 60000,
      '#/$defs/httpOperations/properties/reboot/properties/readyTimeoutMs': 60000,
      '#/$defs/mqttAdapter/properties/qos': 1,
      '#/$defs/mqttReply/properties/retained': false,
      '#/$defs/mqttOperations/properties/read-outcome/properties/timeoutMs': 60000,
      '#/$defs/mqttRestart/properties/readyTimeoutMs': 60000,
      '#/$defs/serialAdapter/properties/baudRate': 115200,
      '#/$defs/serialAdapter/properties/dataBits': 8,
      '#/$defs/serialAdapter/properties/parity': 'none',
      '#/$defs/serialAdapter/properties/stopBits': 1,
      '#/$defs/serialAdapter/properties/lineEnding': '\r\n',
      '#/$defs/serialOperations/properties/read-outcome/properties/intervalMs': 500,
      '#/$defs/serialOperations/properties/read-outcome/properties/timeoutMs': 60000,
      '#/$defs/serialRestart/properties/readyTimeoutMs': 60000,
    })
  })
})

/** Every `then` of the node refers to a schema that forbids unknown properties. */
function closedByBranches(node: Record<string, unknown>, defs: Record<string, unknown>): boolean {
  const branches = Array.isArray(node.allOf) ? node.allOf : []
  return (
    branches.length > 0 &&
    branches.every((b) => {
      const ref = isRecord(b) && isRecord(b.then) && typeof b.then.$ref === 'string' ? b.then.$ref.replace('#/$defs/', '') : undefined
      const target = ref ? defs[ref] : undefined
      return isRecord(target) && target.additionalProperties === false
    })
  )
}
