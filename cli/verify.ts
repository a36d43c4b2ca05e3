import { packHolds, PackInputError, verifyRunFolder, type PackCheck, type SignatureCheck, type VerifyOptions } from '../pack/index.ts'
import type { Output } from './output.ts'

/**
 * `ts701 verify` answers one question, so it has its own small table rather than `run`'s:
 * 2 is "could not look", never a verdict on the evidence.
 */
export const VERIFY_EXIT = { intact: 0, broken: 1, badInput: 2 } as const

function signatureLine(s: SignatureCheck): string {
  switch (s.status) {
    case 'unsigned':
      return 'signature: none (the manifest is not signed)'
    case 'unchecked':
      return `signature: not checked: ${s.reason}`
    case 'valid':
      return s.labKey
        ? `signature: valid, checked with the lab's key (${s.key})`
        : `signature: valid, signed by the key beside the manifest, not checked against a lab key (${s.key})`
    case 'invalid':
      return s.labKey
        ? `signature: does not hold for the lab's key (${s.key})`
        : `signature: does not hold for the key beside the manifest (${s.key})`
  }
}

function summary(dir: string, check: PackCheck): string {
  if (packHolds(check)) return `${dir}: intact (${check.listed} files as listed in the manifest)`
  const counts = (['altered', 'missing', 'extra'] as const)
    .map((kind) => [kind, check.problems.filter((p) => p.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${kind}`)
  const signature = check.signature.status === 'invalid' || check.signature.status === 'unchecked' ? ['signature not confirmed'] : []
  const seal = check.seal.status === 'invalid' ? ['seal broken'] : []
  return `${dir}: NOT intact (${[...counts, ...signature, ...seal].join(', ')})`
}

/** Checks a run folder and prints one line per finding, then a summary line. */
export async function verify(dir: string, options: VerifyOptions, io: Output): Promise<number> {
  let check: PackCheck
  try {
    check = await verifyRunFolder(dir, options)
  } catch (err) {
    if (!(err instanceof PackInputError)) throw err
    io.err(`ts701: ${err.message}`)
    return VERIFY_EXIT.badInput
  }
  for (const p of check.problems) io.out(`${p.kind}: ${p.path}${p.note ? ` (${p.note})` : ''}`)
  io.out(signatureLine(check.signature))
  io.out(
    check.seal.status === 'valid'
      ? `seal: matches the ${check.seal.files} files sealed before the reports were written`
      : `seal: broken: ${check.seal.reason}`,
  )
  io.out(summary(dir, check))
  return packHolds(check) ? VERIFY_EXIT.intact : VERIFY_EXIT.broken
}
