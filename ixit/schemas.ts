/**
 * The published JSON Schemas and their validators. The schema files are the single source of
 * the document shapes: editors read them through `$schema`, the loader validates with them.
 */
import { readFileSync } from 'node:fs'
import type { AnySchemaObject, ValidateFunction } from 'ajv'
import Ajv2020Module from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import type { DocumentKind, DocumentKinds } from './documents.ts'
import { translateErrors } from './schema-errors.ts'
import type { SourceDoc } from './source.ts'
import type { Finding } from './types.ts'

// Both packages are CommonJS whose module object is the export and also carries it as `default`;
// `.default` is what TypeScript's NodeNext typing accepts and what every loader provides.
const Ajv2020 = Ajv2020Module.default
const addFormats = addFormatsModule.default

export type Ajv = InstanceType<typeof Ajv2020>

export const SCHEMA_FILES: Readonly<Record<DocumentKind, URL>> = {
  ics: new URL('./schemas/ics.schema.json', import.meta.url),
  ixit: new URL('./schemas/ixit.schema.json', import.meta.url),
  decisions: new URL('./schemas/decisions.schema.json', import.meta.url),
}

export function readSchema(kind: DocumentKind): AnySchemaObject {
  return JSON.parse(readFileSync(SCHEMA_FILES[kind], 'utf8')) as AnySchemaObject
}

/** Strict, so a mistake in a schema fails loudly on first use instead of validating less. */
export function createAjv(): Ajv {
  const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true })
  addFormats(ajv, ['date', 'uri'])
  return ajv
}

type Validators = { [K in DocumentKind]: ValidateFunction<DocumentKinds[K]> }
let validators: Validators | undefined

function compiled(): Validators {
  if (!validators) {
    const ajv = createAjv()
    validators = {
      ics: ajv.compile<DocumentKinds['ics']>(readSchema('ics')),
      ixit: ajv.compile<DocumentKinds['ixit']>(readSchema('ixit')),
      decisions: ajv.compile<DocumentKinds['decisions']>(readSchema('decisions')),
    }
  }
  return validators
}

export interface Validated<T> {
  /** The document's value, present iff it is schema-valid. */
  data?: T
  findings: Finding[]
}

export function validateDocument<K extends DocumentKind>(kind: K, doc: SourceDoc): Validated<DocumentKinds[K]> {
  return validateWith(compiled()[kind], doc)
}

/** Validates a parsed document with any compiled schema; findings point into the source. */
export function validateWith<T>(validate: ValidateFunction<T>, doc: SourceDoc): Validated<T> {
  const value = doc.value
  if (validate(value)) return { data: value, findings: [] }
  return { findings: translateErrors(validate.errors ?? [], doc) }
}
