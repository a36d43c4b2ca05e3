import { UsageError } from '../core/errors.ts'

/** The environment variable that moves the document size limit (ixit/source.ts has the default). */
export const MAX_DOCUMENT_BYTES_ENV = 'TS701_MAX_DOCUMENT_BYTES'

/**
 * The lab's document size limit, in bytes, when it set one: a positive whole number, optionally
 * with a K/M/G suffix (powers of 1024), e.g. `16M` for an IXIT with large embedded tables.
 */
export function documentLimit(env: NodeJS.ProcessEnv): { maxDocumentBytes?: number } {
  const raw = env[MAX_DOCUMENT_BYTES_ENV]?.trim()
  if (raw === undefined || raw === '') return {}
  const m = /^(\d+)([KMG]?)i?B?$/i.exec(raw)
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[(m?.[2] ?? '').toUpperCase() as '' | 'K' | 'M' | 'G']
  const bytes = m ? Number(m[1]) * scale : NaN
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new UsageError(`${MAX_DOCUMENT_BYTES_ENV}=${raw}: not a size in bytes (e.g. 4194304, 8M)`)
  }
  return { maxDocumentBytes: bytes }
}
