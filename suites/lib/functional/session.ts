import { readFile } from 'node:fs/promises'
import type { Dut, DutIdentity } from '../../../core/dut.ts'
import { EvidenceLog } from '../../../core/evidence.ts'
import { createDut, profileSecrets } from '../../../adapters/index.ts'
import { UpdateServerEmulator, type OfferedImage } from '../../../emulator/index.ts'
import { hashFile } from '../../../fixtures/hash.ts'
import type { LabPayload } from '../../../harness/functional.ts'
import { InvalidAssessmentError } from '../../../ixit/errors.ts'
import { loadProfile } from '../../../profile/load.ts'
import type { DutProfile, ImageRef } from '../../../profile/types.ts'

/**
 * Everything the functional checks of one run share: the device, the update-server emulator,
 * the evidence log, and experiments whose results several units read. Suites run one after
 * another in one worker, so one session serves the whole run.
 */
export interface Session {
  lab: LabPayload
  profile: DutProfile
  dut: Dut
  evidence: EvidenceLog
  /** Started on first use, on the address the DUT is configured to poll. */
  emulator(): Promise<UpdateServerEmulator>
  /** What the device reported the first time an experiment asked: the software to return to. */
  baseline(): Promise<DutIdentity>
  valid(): Promise<OfferedImage>
  older(): Promise<OfferedImage | undefined>
  /** Runs an experiment once per run; every later caller gets the same result. */
  once<T>(key: string, experiment: () => Promise<T>): Promise<T>
}

async function offered(ref: ImageRef, name: string): Promise<OfferedImage> {
  const { sha256, size } = await hashFile(ref.file)
  return { name, path: ref.file, size, sha256, version: ref.version }
}

async function open(lab: LabPayload): Promise<Session> {
  const { profile, findings } = await loadProfile(lab.profileFile)
  if (!profile) throw new InvalidAssessmentError(findings)
  const evidence = new EvidenceLog(lab.evidenceFile, profileSecrets(profile))
  const dut = createDut(profile, { evidence })
  const memo = new Map<string, Promise<unknown>>()
  const once = <T>(key: string, experiment: () => Promise<T>): Promise<T> => {
    if (!memo.has(key)) memo.set(key, experiment())
    return memo.get(key) as Promise<T>
  }
  return {
    lab,
    profile,
    dut,
    evidence,
    emulator: () => once('emulator', async () => {
      const server = profile.updateServer
      if (!server) throw new Error('the DUT profile declares no updateServer')
      const tls = server.tls && {
        certPem: await readFile(server.tls.certFile, 'utf8'),
        keyPem: await readFile(server.tls.keyFile, 'utf8'),
      }
      return UpdateServerEmulator.start({
        host: server.host,
        port: server.port,
        routes: server.routes,
        imagePath: server.imagePath,
        evidence,
        ...(tls && { tls }),
        ...(server.pollInterval && { pollInterval: server.pollInterval }),
      })
    }),
    baseline: () => once('baseline', () => dut.identify()),
    valid: () => once('image:valid', () => offered(profile.images!.valid, 'valid-image')),
    older: () => once('image:older', async () => (profile.images?.older ? offered(profile.images.older, 'older-image') : undefined)),
    once,
  }
}

const sessions = new Map<string, Promise<Session>>()

export function session(lab: LabPayload): Promise<Session> {
  let s = sessions.get(lab.profileFile)
  if (!s) {
    s = open(lab)
    sessions.set(lab.profileFile, s)
  }
  return s
}
