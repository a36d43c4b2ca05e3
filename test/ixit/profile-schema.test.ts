import Ajv2020Module from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { isRecord } from '../../ixit/documents.ts'
import { readSchema, SCHEMA_FILES } from '../../ixit/schemas.ts'

describe('the DUT profile JSON Schema', () => {
  const schema = readSchema('dut')

  it('is registered as the fourth document kind and compiles under ajv strict mode (draft 2020-12)', () => {
    expect(Object.keys(SCHEMA_FILES)).toContain('dut')
    const ajv = new Ajv2020Module.default({ strict: true, allErrors: true })
    addFormatsModule.default(ajv)
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.$id).toBe('https://ts701.dev/schemas/dut.schema.json')
    expect(() => ajv.compile(schema)).not.toThrow()
  })

  it('gives editors help on every property', () => {
    const defs = isRecord(schema.$defs) ? schema.$defs : {}
    const undocumented: string[] = []
    const visit = (node: unknown, path: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${path}/${i}`))
      if (!isRecord(node)) return
      if (isRecord(node.properties)) {
        for (const [name, prop] of Object.entries(node.properties)) {
          const target = isRecord(prop) && typeof prop.$ref === 'string' ? defs[prop.$ref.replace('#/$defs/', '')] : undefined
          const documented = (p: unknown) => isRecord(p) && (typeof p.title === 'string' || typeof p.description === 'string')
          if (!documented(prop) && !documented(target)) undocumented.push(`${path}/properties/${name}`)
        }
      }
      for (const [key, value] of Object.entries(node)) visit(value, `${path}/${key}`)
    }
    visit(schema, '#')
    expect(undocumented).toEqual([])
  })

  it('forbids unknown properties in every object', () => {
    const open: string[] = []
    const visit = (node: unknown, path: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${path}/${i}`))
      if (!isRecord(node)) return
      if (node.type === 'object' && node.additionalProperties === undefined) open.push(path)
      for (const [key, value] of Object.entries(node)) visit(value, `${path}/${key}`)
    }
    visit(schema, '#')
    expect(open).toEqual([])
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
      '#/$defs/adapter/properties/lenient': false,
      '#/$defs/adapter/properties/timeouts/properties/defaultMs': 5000,
      '#/$defs/updateServer/properties/imagePath': '/images/{{image.name}}',
      '#/$defs/outcome/properties/intervalMs': 500,
      '#/$defs/outcome/properties/timeoutMs': 60000,
      '#/$defs/operations/properties/reboot/properties/readyTimeoutMs': 60000,
    })
  })
})
