/**
 * How readings of several prose fields become one suggestion. A suggestion quotes one field, so
 * every reader works field by field; the fields must then agree, or the fact is left to the human.
 */
import type { UpdMechTextField } from '../suggest.ts'
import { sentencesOf, type Sentence } from './text.ts'

export type Prose = Partial<Record<UpdMechTextField, unknown>>

/** A value and the sentences it was read from (all in one field). */
export interface Reading<V> {
  value: V
  sentences: Sentence[]
}

/** What one field says: a reading, nothing, or something that contradicts itself. */
export type FieldAnswer<V> = Reading<V> | 'conflict' | undefined

export interface Combine<V> {
  /** Whether two fields' values say the same thing (an object may say less than another). */
  agree: (a: V, b: V) => boolean
  /** How much a value says; among agreeing readings the one that says most is suggested. */
  weight?: (value: V) => number
}

/**
 * Reads every field in `fields` (their order breaks ties) and returns the reading to suggest. A
 * field that contradicts itself, or two fields that contradict each other, give nothing: the
 * suggestion would have to pick a side, and that is the human's call.
 */
export function acrossFields<V>(
  prose: Prose,
  fields: readonly UpdMechTextField[],
  read: (sentences: Sentence[]) => FieldAnswer<V>,
  combine: Combine<V>,
): Reading<V> | undefined {
  const readings: Reading<V>[] = []
  for (const field of fields) {
    const sentences = sentencesOf(prose, [field])
    if (sentences.length === 0) continue
    const answer = read(sentences)
    if (answer === 'conflict') return undefined
    if (answer) readings.push(answer)
  }
  for (let i = 0; i < readings.length; i++) {
    for (let j = i + 1; j < readings.length; j++) {
      if (!combine.agree(readings[i]!.value, readings[j]!.value)) return undefined
    }
  }
  const weight = combine.weight ?? (() => 0)
  let best: Reading<V> | undefined
  for (const r of readings) if (!best || weight(r.value) > weight(best.value)) best = r
  return best
}

export const memberCount = (v: object): number => Object.keys(v).length
