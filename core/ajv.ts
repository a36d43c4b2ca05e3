/**
 * ajv, loaded on first use. It is CommonJS and large: compiling it costs a `ts701 lint` or a
 * conceptual run more than reading the documents, and a compiled ts701 validates those with
 * validators generated at build time (ixit/schemas.ts) and reads the catalog prebuilt
 * (catalog/editions.ts), so it needs ajv only where a schema is compiled at run time.
 */
import { createRequire } from 'node:module'
import type { Options } from 'ajv'

const require = createRequire(import.meta.url)

export type Ajv = InstanceType<(typeof import('ajv/dist/2020.js'))['default']>

/** A JSON Schema 2020-12 validator factory, with the `date` and `uri` formats when asked. */
export function newAjv(options: Options, formats: ReadonlyArray<'date' | 'uri'> = []): Ajv {
  // Both packages are CommonJS whose export also carries itself as `default`.
  const { default: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')
  const ajv = new Ajv(options)
  if (formats.length) {
    const { default: addFormats } = require('ajv-formats') as typeof import('ajv-formats')
    addFormats(ajv, [...formats])
  }
  return ajv
}

/**
 * The text of an ES module exporting the validators of `ajv` (made with `code: { source: true, esm:
 * true }`) named in `refs`. ajv's ES module output still loads its runtime helpers and the formats
 * with require(), so the module makes itself one.
 */
export function standaloneModule(ajv: Ajv, refs: Record<string, string>): string {
  const { default: standaloneCode } = require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js')
  const header = "import { createRequire } from 'node:module'\nconst require = createRequire(import.meta.url)\n"
  return header + standaloneCode(ajv, refs).replace(/^"use strict";/, '')
}
