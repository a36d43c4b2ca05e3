/**
 * The published JSON Schemas and their validators. The schema files are the single source of
 * the document shapes: editors read them through `$schema`, the loader validates with them.
 */
import { existsSync, readFileSync } from 'node:fs'
import type { AnySchemaObject, Options, ValidateFunction } from 'ajv'
import { newAjv, standaloneModule, type Ajv } from '../core/ajv.ts'
import type { DocumentKind, DocumentKinds } from './documents.ts'
import { translateErrors } from './schema-errors.ts'
import type { SourceDoc } from './source.ts'
import type { Finding } from './types.ts'

export type { Ajv }

export const SCHEMA_FILES: Readonly<Record<DocumentKind, URL>> = {
  ics: new URL('./schemas/ics.schema.json', import.meta.url),
  ixit: new URL('./schemas/ixit.schema.json', import.meta.url),
  decisions: new URL('./schemas/decisions.schema.json', import.meta.url),
}

export function readSchema(kind: DocumentKind): AnySchemaObject {
  return JSON.parse(readFileSync(SCHEMA_FILES[kind], 'utf8')) as AnySchemaObject
}

/** Strict, so a mistake in a schema fails loudly on first use instead of validating less. */
export function createAjv(extra: Options = {}): Ajv {
  return newAjv({ allErrors: true, strict: true, verbose: true, ...extra }, ['date', 'uri'])
}

type Validators = { [K in DocumentKind]: ValidateFunction<DocumentKinds[K]> }

/**
 * The validators as JavaScript, written by the build (scripts/build.mjs) into dist/: compiling the
 * three schemas costs a compiled run more than everything else it does before the tests start.
 * The sources have no such file and compile on first use.
 */
export const PREBUILT_VALIDATORS = new URL('./validators.js', import.meta.url)

let validators: Validators | undefined = existsSync(PREBUILT_VALIDATORS)
  ? ((await import(PREBUILT_VALIDATORS.href)) as Validators)
  : undefined

/** The source of an ES module exporting one validator per document kind, as PREBUILT_VALIDATORS holds. */
export function validatorsModule(): string {
  const ajv = createAjv({ code: { source: true, esm: true } })
  const ids = Object.fromEntries(
    (Object.keys(SCHEMA_FILES) as DocumentKind[]).map((kind) => {
      const schema = readSchema(kind)
      ajv.addSchema(schema)
      return [kind, schema.$id as string]
    }),
  )
  return standaloneModule(ajv, ids)
}

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
