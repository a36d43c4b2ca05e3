/**
 * Fetching a detached update into staging: the manifest and its signature first, checked before
 * anything else is asked for, and the payload only when they pass. A device that fetched the
 * payload of an update it is going to refuse anyway would spend its link and staging on it; one
 * that refuses early tells the server so without ever asking for the payload.
 */
import { readFile } from 'node:fs/promises'
import type { Verification } from '../fixtures/image.ts'
import { MAX_DETACHED_MANIFEST, MAX_DETACHED_SIGNATURE, stagedParts } from './detached-image.ts'
import type { DeviceLog } from './log.ts'
import type { Download, UpdateTransport } from './transport.ts'

export interface DetachedFetchContext {
  transport: UpdateTransport
  serverUrl: URL
  signal: AbortSignal
  maxImageBytes: number
  log: DeviceLog
  /** SHA-256 of the manifest the device runs: that update is not fetched again. */
  installedSha256: string
  /** The device's checks that need no payload (signature, hardware, counter). */
  verifyManifest(manifest: Buffer, signature: Buffer): Verification
  /** false (flaw `header-only-hash`): the manifest's size is no limit, only the staging area is. */
  checkPayload: boolean
}

export type DetachedFetch =
  /** The manifest's download: the main file's size and SHA-256. */
  { got: Download } | { refused: Exclude<Verification, { ok: true }> }

/** Fetches `manifest` into `file` and, if the manifest passes, the parts beside it. Transfer failures throw. */
export async function fetchDetached(
  manifest: URL,
  parts: { signature: string; payload: string },
  file: string,
  ctx: DetachedFetchContext,
): Promise<DetachedFetch> {
  const { transport, signal, log } = ctx
  const staged = stagedParts(file)
  const got = await transport.download(manifest, MAX_DETACHED_MANIFEST, file, signal)
  log.add('download', `downloaded the manifest (${got.bytes} bytes)`, { url: manifest.href, sha256: got.sha256 })
  if (got.sha256 === ctx.installedSha256) return { got }
  const signatureUrl = new URL(parts.signature, ctx.serverUrl)
  const signature = await transport.download(signatureUrl, MAX_DETACHED_SIGNATURE, staged.signature, signal)
  log.add('download', `downloaded the signature (${signature.bytes} bytes)`, { url: signatureUrl.href })
  const verdict = ctx.verifyManifest(await readFile(file), await readFile(staged.signature))
  if (!verdict.ok) return { refused: verdict }
  const { payloadLength } = verdict.manifest
  if (payloadLength > ctx.maxImageBytes)
    return {
      refused: {
        ok: false,
        code: 'length',
        reason: `The payload of ${payloadLength} bytes exceeds the ${ctx.maxImageBytes}-byte staging area.`,
        manifest: verdict.manifest,
      },
    }
  const payloadUrl = new URL(parts.payload, ctx.serverUrl)
  const payload = await transport.download(payloadUrl, ctx.checkPayload ? payloadLength : ctx.maxImageBytes, staged.payload, signal)
  log.add('download', `downloaded the payload (${payload.bytes} bytes)`, { url: payloadUrl.href, sha256: payload.sha256 })
  return { got }
}
