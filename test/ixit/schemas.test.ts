import Ajv2020Module from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { undocumentedProperties } from '../schema-help.ts'
import { isRecord } from '../../ixit/documents.ts'
import { translateErrors } from '../../ixit/schema-errors.ts'
import { createAjv, readSchema } from '../../ixit/schemas.ts'
import { parseSource } from '../../ixit/source.ts'

const KINDS = ['ics', 'ixit', 'decisions'] as const

describe('the published JSON Schemas', () => {
  it.each(KINDS)('%s compiles under ajv strict mode (draft 2020-12)', (kind) => {
    const ajv = new Ajv2020Module.default({ strict: true, allErrors: true })
    addFormatsModule.default(ajv)
    const schema = readSchema(kind)
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema')
    expect(schema.$id).toBe(`https://ts701.dev/schemas/${kind}.schema.json`)
    expect(() => ajv.compile(schema)).not.toThrow()
  })

  it.each(KINDS)('%s gives editors help on every property', (kind) => {
    const schema = readSchema(kind)
    expect(undocumentedProperties(schema)).toEqual([])
  })

  it('forbid unknown properties in every object, so typos are caught', () => {
    const open: string[] = []
    for (const kind of KINDS) {
      const visit = (node: unknown, path: string) => {
        if (Array.isArray(node)) return node.forEach((n, i) => visit(n, `${path}/${i}`))
        if (!isRecord(node)) return
        if (node.type === 'object' && node.additionalProperties === undefined) open.push(`${kind}${path}`)
        for (const [key, value] of Object.entries(node)) visit(value, `${path}/${key}`)
      }
      visit(readSchema(kind), '#')
    }
    expect(open).toEqual([])
  })
})

describe('translating ajv errors', () => {
  function findingsFor(schema: object, text: string) {
    const { doc } = parseSource('t.yaml', text)
    if (!doc) throw new Error('test document does not parse')
    const validate = createAjv().compile(schema)
    expect(validate(doc.value)).toBe(false)
    return translateErrors(validate.errors ?? [], doc).map((f) => `${f.line}:${f.column} ${f.message}`)
  }

  const alternatives = {
    type: 'object',
    properties: {
      x: {
        anyOf: [{ type: 'string' }, { type: 'object', required: ['q'], properties: { q: { type: 'string' } } }],
      },
    },
  }

  it('reports a failed anyOf by the alternative that came closest', () => {
    expect(findingsFor(alternatives, 'x:\n  q: 3\n')).toEqual(['2:6 /x/q: expected string, found 3 (write it in quotes: "3")'])
  })

  it('merges alternatives that differ only in type', () => {
    expect(findingsFor(alternatives, 'x: 5\n')).toEqual(['1:4 /x: expected string or object, found 5'])
  })

  it('reports a failed if/then by the then branch alone', () => {
    const schema = {
      type: 'object',
      properties: { medium: { type: 'string' }, url: { type: 'string' } },
      if: { properties: { medium: { const: 'web' } } },
      then: { properties: { url: { type: 'string' } }, required: ['url'] },
    }
    expect(findingsFor(schema, 'medium: web\n')).toEqual(['1:1 missing required property "url"'])
  })

  it('points at the repeated item of a list that must be unique', () => {
    const schema = { type: 'array', uniqueItems: true, items: { type: 'string' } }
    expect(findingsFor(schema, '- enable\n- disable\n- enable\n')).toEqual(['3:3 /2: duplicate item "enable" (same as item 0)'])
  })
})
