/**
 * The documents as written, i.e. what a schema-valid file contains: the typed model of types.ts
 * without positions, and with the fields the schemas let a supplier omit still optional.
 */
import type { Confirmation, Decision, IcsEntry, ReplSup, SoftComp, UpdMech, UpdProc, UserDec, UserInfo } from './types.ts'

type Written<T, Omittable extends keyof T = never> = Omit<T, 'source' | Omittable> & Partial<Pick<T, Omittable>>

export interface IcsDocument {
  $schema?: string
  constrained: boolean
  provisions: Record<string, Omit<IcsEntry, 'source' | 'provision'>>
}

export interface IxitDocument {
  $schema?: string
  '2-UserInfo'?: Written<UserInfo, 'facts' | 'publicationOfNonUpdatable' | 'documentationOfReplacement'>[]
  '4-Conf'?: Written<Confirmation>[]
  '6-SoftComp'?: Written<SoftComp, 'facts' | 'notUpdatableJustification'>[]
  '7-UpdMech'?: Written<UpdMech, 'facts'>[]
  '8-UpdProc'?: Written<UpdProc>[]
  '9-ReplSup'?: Written<ReplSup>[]
  '26-UserDec'?: Written<UserDec, 'facts'>[]
}

export interface DecisionsDocument {
  $schema?: string
  decisions: Written<Decision>[]
}

export interface DocumentKinds {
  ics: IcsDocument
  ixit: IxitDocument
  decisions: DecisionsDocument
}

export type DocumentKind = keyof DocumentKinds

/** A JSON object, as opposed to an array or null. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
