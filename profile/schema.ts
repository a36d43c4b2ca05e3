/**
 * The DUT profile's JSON Schema. It is the lab's document, not the supplier's, so it is compiled
 * here rather than with the assessment schemas; validation and findings work the same way.
 */
import { readFileSync } from 'node:fs'
import type { AnySchemaObject, ValidateFunction } from 'ajv'
import { createAjv, validateWith, type Validated } from '../ixit/schemas.ts'
import type { SourceDoc } from '../ixit/source.ts'
import type { DutDocument } from './document.ts'

export const PROFILE_SCHEMA_FILE = new URL('./dut.schema.json', import.meta.url)

export function readProfileSchema(): AnySchemaObject {
  return JSON.parse(readFileSync(PROFILE_SCHEMA_FILE, 'utf8')) as AnySchemaObject
}

let validator: ValidateFunction<DutDocument> | undefined

export function validateProfile(doc: SourceDoc): Validated<DutDocument> {
  validator ??= createAjv().compile<DutDocument>(readProfileSchema())
  return validateWith(validator, doc)
}
