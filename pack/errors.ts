import { Ts701Error } from '../core/errors.ts'

/**
 * The signing key or certificate given to `ts701 run` cannot be used: unreadable, not a private
 * key, an unsupported type, a certificate of another key, or a key inside the run folder. Raised
 * before the run starts, so no evidence is produced that could not be signed as asked.
 */
export class SignKeyError extends Ts701Error {
  constructor(message: string) {
    super('E_PACK_SIGN_KEY', message)
  }
}

/** Why `ts701 verify` could not check a folder at all, as opposed to finding it broken. */
export type PackInputCode = 'E_PACK_NO_FOLDER' | 'E_PACK_NO_MANIFEST' | 'E_PACK_MANIFEST_SYNTAX' | 'E_PACK_LAB_KEY'

/**
 * The input of `ts701 verify` is unusable: no such folder, no manifest, a manifest that is not in
 * `sha256sum` format, or a lab key that does not read. Nothing was compared, so no verdict on the
 * evidence can follow from it.
 */
export class PackInputError extends Ts701Error {
  declare readonly code: PackInputCode

  constructor(code: PackInputCode, message: string) {
    super(code, message)
  }
}
