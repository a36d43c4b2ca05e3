/**
 * The DUT profile's JSON Schema, composed from the part every channel shares
 * (common-schema.json) and the parts of the registered channels, selected by `adapter.kind`.
 * The loader validates with the composed schema; `npm run schema` writes it to dut.schema.json
 * for editors, and a test keeps that file equal to what the channels compose.
 *
 * The schema's `default` keywords are the only statement of the defaults: the validator fills them
 * into its copy of the document (ajv `useDefaults`). Strict mode makes ajv refuse a default it
 * would skip (inside anyOf, oneOf, not), so each one applies.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import type { AnySchemaObject, ValidateFunction } from 'ajv'
import { newAjv, standaloneModule } from '../core/ajv.ts'
import { isRecord } from '../ixit/documents.ts'
import { validateWith, type Validated } from '../ixit/schemas.ts'
import type { SourceDoc } from '../ixit/source.ts'
import type { ChannelDescriptor } from './channel.ts'

/** The generated schema editors read through `# yaml-language-server: $schema=…`. */
export const PROFILE_SCHEMA_FILE = new URL('./dut.schema.json', import.meta.url)

const COMMON = JSON.parse(readFileSync(new URL('./common-schema.json', import.meta.url), 'utf8')) as AnySchemaObject

const GENERATED =
  'Generated from profile/common-schema.json and adapters/<kind>/profile-schema.json by `npm run schema`; edit those, not this file.'

export function composeProfileSchema(channels: readonly ChannelDescriptor[]): AnySchemaObject {
  const defs: Record<string, AnySchemaObject> = {}
  const define = (name: string, schema: AnySchemaObject, owner: string) => {
    if (name in defs) throw new Error(`the DUT profile schema defines "${name}" twice (again in ${owner})`)
    defs[name] = schema
  }
  channels.forEach(checkPart)
  define('adapter', adapterSchema(channels), 'the composition')
  for (const [name, schema] of Object.entries(COMMON.$defs as Record<string, AnySchemaObject>))
    define(name, schema, 'profile/common-schema.json')
  for (const channel of channels) {
    const owner = `channel ${channel.kind}`
    define(`${channel.kind}Adapter`, channel.schema.adapter, owner)
    define(`${channel.kind}Operations`, channel.schema.operations, owner)
    for (const [name, schema] of Object.entries(channel.schema.$defs ?? {})) define(name, schema, owner)
  }
  const { $defs: _, ...head } = COMMON
  // A copy: the validators must not share objects with the descriptors.
  return structuredClone({ ...head, $comment: GENERATED, allOf: channels.map(operationsBranch), $defs: defs })
}

const composed = new WeakMap<readonly ChannelDescriptor[], AnySchemaObject>()

/** The schema of a channel list, composed once: a run loads profiles against the same list. */
function schemaOf(channels: readonly ChannelDescriptor[]): AnySchemaObject {
  let schema = composed.get(channels)
  if (!schema) {
    schema = composeProfileSchema(channels)
    composed.set(channels, schema)
  }
  return schema
}

/** The properties a DUT profile may have at its top level. */
export const profileTopLevelKeys = (channels: readonly ChannelDescriptor[]): string[] => Object.keys(schemaOf(channels).properties ?? {})

/** The text of dut.schema.json. */
export function profileSchemaText(channels: readonly ChannelDescriptor[]): string {
  return `${JSON.stringify(composeProfileSchema(channels), null, 2)}\n`
}

/** One `if adapter.kind is … then operations is …` per channel, at the top level. */
function operationsBranch(channel: ChannelDescriptor): AnySchemaObject {
  const when = `The rules below apply when adapter.kind is ${channel.kind}.`
  return {
    if: {
      required: ['adapter'],
      properties: {
        adapter: {
          description: when,
          type: 'object',
          required: ['kind'],
          properties: { kind: { const: channel.kind, description: when } },
        },
      },
    },
    then: { properties: { operations: { $ref: `#/$defs/${channel.kind}Operations` } } },
  }
}

/** `adapter`: the kind, then the kind's own closed schema (the $comment says why it is open). */
function adapterSchema(channels: readonly ChannelDescriptor[]): AnySchemaObject {
  const kinds = channels.map((c) => c.kind)
  return {
    title: 'Adapter',
    description: `How ts701 talks to the device. kind selects the channel (${kinds.join(', ')}); the other settings here and the shape of operations follow the kind.`,
    type: 'object',
    required: ['kind'],
    $comment:
      'Open here only because each kind closes its own schema (additionalProperties: false), so an unknown property is reported with the properties of that kind.',
    additionalProperties: true,
    properties: {
      kind: { title: 'Adapter kind', description: channels.map((c) => kindDescription(c)).join(' '), type: 'string', enum: kinds },
    },
    allOf: kinds.map((kind) => ({
      if: { required: ['kind'], properties: { kind: { const: kind, description: `The rules below apply when kind is ${kind}.` } } },
      then: { $ref: `#/$defs/${kind}Adapter` },
    })),
  }
}

/** A part the composition cannot use fails loudly when the schema is composed, naming the channel. */
function checkPart(channel: ChannelDescriptor): void {
  const { adapter } = channel.schema
  const kind = recordOf(recordOf(adapter.properties).kind)
  const problem =
    adapter.type !== 'object' || adapter.additionalProperties !== false
      ? 'must be an object schema with additionalProperties: false'
      : !Array.isArray(adapter.required) || !adapter.required.includes('kind')
        ? 'must require kind'
        : kind.const !== channel.kind
          ? `must declare kind: { const: "${channel.kind}" }`
          : typeof kind.description !== 'string'
            ? `must describe kind (e.g. "${channel.kind}: the device offers …")`
            : undefined
  if (problem) throw new Error(`the adapter schema of channel ${channel.kind} ${problem}`)
}

/** What checkPart made sure of. */
function kindDescription(channel: ChannelDescriptor): string {
  return String(recordOf(recordOf(channel.schema.adapter.properties).kind).description)
}

function recordOf(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {}
}

// --- validation ---------------------------------------------------------------------------------

const validators = new WeakMap<readonly ChannelDescriptor[], ValidateFunction>()

/** ixit's createAjv (allErrors, strict, verbose for the findings; `.default` explained there), plus useDefaults. */
const OPTIONS = { allErrors: true, strict: true, verbose: true, useDefaults: true } as const
const FORMATS = ['date', 'uri'] as const

/**
 * The validator of the bundled channels' schema as code, written by the build (scripts/build.mjs)
 * into dist/: compiling the composed schema costs a run about half a second of its start. It is
 * used only for the very schema it was made from (its fingerprint), so a profile is never judged
 * by a validator older than its schema; the sources have no such file and compile on first use.
 */
export const PREBUILT_VALIDATOR = new URL('./validator.js', import.meta.url)

interface Prebuilt {
  fingerprint: string
  validate: ValidateFunction
}

const prebuilt: Prebuilt | undefined = existsSync(PREBUILT_VALIDATOR) ? ((await import(PREBUILT_VALIDATOR.href)) as Prebuilt) : undefined

/** What identifies a composed schema, for matching the prebuilt validator to it. */
export const fingerprintOf = (schema: AnySchemaObject): string => createHash('sha256').update(JSON.stringify(schema)).digest('hex')

/** The source of an ES module exporting the validator of these channels' schema and its fingerprint. */
export function validatorModule(channels: readonly ChannelDescriptor[]): string {
  const schema = composeProfileSchema(channels)
  const ajv = newAjv({ ...OPTIONS, code: { source: true, esm: true } }, FORMATS)
  ajv.addSchema(schema, 'dut-profile')
  return `${standaloneModule(ajv, { validate: 'dut-profile' })}\nexport const fingerprint = ${JSON.stringify(fingerprintOf(schema))}\n`
}

function validator(channels: readonly ChannelDescriptor[]): ValidateFunction {
  let validate = validators.get(channels)
  if (!validate) {
    const schema = schemaOf(channels)
    validate = prebuilt?.fingerprint === fingerprintOf(schema) ? prebuilt.validate : newAjv(OPTIONS, FORMATS).compile(schema)
    validators.set(channels, validate)
  }
  return validate
}

/**
 * Schema findings, and `data` iff the document is schema-valid: a copy with every default of the
 * schema filled in. The document itself is left as written, for the checks that follow. Defaults
 * only add properties the schema declares, where they are valid (a test loads every variant), so
 * the findings are those of the document as written.
 */
export function validateProfile(doc: SourceDoc, channels: readonly ChannelDescriptor[]): Validated<unknown> {
  return validateWith(validator(channels), { ...doc, value: structuredClone(doc.value) })
}
