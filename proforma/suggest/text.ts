/**
 * Cutting a supplier's prose into the sentences that become quotes, and into the clauses the
 * readers look at. Everything here works on whitespace-collapsed text, so a quote is a verbatim
 * piece of the cell as a human sees it, wherever the line breaks of the source document fell.
 */
import type { UpdMechTextField } from '../suggest.ts'

/** One sentence of one prose field; `position` orders the sentences within the field. */
export interface Sentence {
  field: UpdMechTextField
  text: string
  position: number
}

/** Runs of whitespace (line breaks included) become one space; the ends are trimmed. */
export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/**
 * Words that end in a full stop without ending the sentence. The check below already refuses to
 * break before a lower-case word, so this list only matters where an upper-case word, a digit or
 * a quotation mark follows: `e.g. "Install now"`, `approx. 30 seconds`, `cf. Table 3`.
 */
const ABBREVIATION = /(?:^|[^\p{L}])(?:e\.g|i\.e|approx|cf|vs|incl|resp|ca|esp|viz|w\.r\.t)$/iu

/**
 * A full stop, question or exclamation mark, then any closing quotes or brackets, then
 * whitespace. A full stop inside a token ("1.2", "3.5 MB", "P-256") is never followed by
 * whitespace, so version numbers and decimals stay whole without a rule of their own.
 */
const TERMINATOR = /[.!?]+["'”’)\]]*\s+/g

export function splitSentences(text: string): string[] {
  const t = collapse(text)
  const out: string[] = []
  let start = 0
  for (const m of t.matchAll(TERMINATOR)) {
    const end = m.index + m[0].length
    const next = t[end]
    // A sentence starts with a capital, a digit, a quote or a bracket, never with a lower-case word.
    if (next === undefined || /\p{Ll}/u.test(next)) continue
    if (t[m.index] === '.' && ABBREVIATION.test(t.slice(start, m.index))) continue
    out.push(t.slice(start, end).trim())
    start = end
  }
  if (start < t.length) out.push(t.slice(start))
  return out
}

/** The sentences of every field that holds text, field by field, each in document order. */
export function sentencesOf(text: Partial<Record<UpdMechTextField, unknown>>, fields: readonly UpdMechTextField[]): Sentence[] {
  return fields.flatMap((field) => {
    const value = text[field]
    return typeof value === 'string' ? splitSentences(value).map((s, position) => ({ field, text: s, position })) : []
  })
}

/**
 * The clauses of a sentence: the parts between semicolons. Readers that must not let one
 * statement colour another ("the signing service also supports RSA-PSS; the device accepts only
 * keys in its trust store") look at clauses instead of whole sentences.
 */
export function clausesOf(sentence: string): string[] {
  return sentence
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c !== '')
}

/** Words that deny what follows them within a clause. */
export const NEGATION = /\b(?:not|no|never|none|without|cannot|lacks?)\b|n't\b/i

/** Sentences the quote is made of: in document order, each once, joined by a space. */
export function quoteOf(sentences: readonly Sentence[]): string {
  const unique = [...new Set(sentences)].sort((a, b) => a.position - b.position)
  return unique.map((s) => s.text).join(' ')
}
