/**
 * The evidence pack of a run folder: the seal taken before the reports, MANIFEST.sha256 and its
 * optional signature after them, and the check `ts701 verify` makes.
 */
export { PackInputError, SignKeyError, type PackInputCode } from './errors.ts'
export { CERTIFICATE, MANIFEST, PUBLIC_KEY, SIGNATURE } from './files.ts'
export { digestOf, formatManifest, parseManifest, type ManifestEntry } from './manifest.ts'
export { sealRunFolder, writePack, type PackWritten } from './seal.ts'
export { loadSigner, type Signer } from './sign.ts'
export {
  packHolds,
  verifyRunFolder,
  type FileProblem,
  type PackCheck,
  type SealCheck,
  type SignatureCheck,
  type VerifyOptions,
} from './verify.ts'
