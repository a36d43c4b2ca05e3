import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { DutError, type Dut } from '../../core/dut.ts'
import type { LabPayload } from '../../harness/functional.ts'
import { prepareLab } from '../../harness/lab.ts'
import { RunSession } from '../../harness/session.ts'
import { createReferenceSetup, type ReferenceSetup } from '../../sim/setup.ts'
import { tempDir } from '../cli/helpers.ts'
import { portIsFree } from './port.ts'

/** A device handle that only counts how often it was closed, and can fail to close. */
function fakeDut(closeError?: Error) {
  const close = vi.fn(async () => {
    if (closeError) throw closeError
  })
  const identify = vi.fn(async () => ({ model: 'FAKE-1', version: '1.0.0' }))
  const unused = async (): Promise<never> => {
    throw new Error('not used in this test')
  }
  const dut: Dut = {
    supports: () => true,
    identify,
    readSettings: unused,
    changeSettings: unused,
    deliverImage: unused,
    readOutcome: unused,
    readNotifications: unused,
    checkNow: unused,
    reboot: unused,
    factoryReset: unused,
    restore: vi.fn(unused),
    close,
  }
  return { dut, close, identify, restore: dut.restore as ReturnType<typeof vi.fn<() => Promise<void>>> }
}

let setup: ReferenceSetup
let lab: LabPayload

beforeAll(async () => {
  setup = await createReferenceSetup({ dir: await tempDir('session-sim') })
  ;({ lab } = await prepareLab(setup.profileFile, await tempDir('session-out'), setup.env))
})

afterAll(async () => {
  await setup?.close()
})

describe('the run session', () => {
  it('gets the profile as data and only the credentials the profile names', () => {
    expect(structuredClone(lab.profile)).toStrictEqual(lab.profile)
    expect(lab.credentials).toEqual(setup.env)
  })

  it('closes the device handle and the emulator at stop, and frees the port', async () => {
    const { dut, close } = fakeDut()
    const session = await RunSession.start({ lab, progress: false, createDut: () => dut })
    const emulator = await session.emulator()
    const port = Number(new URL(emulator.url).port)
    expect(await portIsFree(port)).toBe(false)
    await session.stop()
    expect(close).toHaveBeenCalledTimes(1)
    expect(await portIsFree(port)).toBe(true)
    await session.stop()
    expect(close).toHaveBeenCalledTimes(1)
    await expect(session.emulator()).rejects.toThrow(/stopped/)
  })

  it('still closes the emulator when the device handle fails to close, and says so', async () => {
    const { dut } = fakeDut(new Error('socket already gone'))
    const session = await RunSession.start({ lab, progress: false, createDut: () => dut })
    const port = Number(new URL((await session.emulator()).url).port)
    await expect(session.stop()).rejects.toThrow(/closing the run session: socket already gone/)
    expect(await portIsFree(port)).toBe(true)
  })

  it('remembers the baseline identity once an experiment asked for it', async () => {
    const { dut, identify } = fakeDut()
    const session = await RunSession.start({ lab, progress: true, createDut: () => dut })
    expect(session.observedDut).toBeUndefined()
    await session.baseline()
    await session.baseline()
    expect(identify).toHaveBeenCalledTimes(1)
    expect(session.observedDut).toEqual({ model: 'FAKE-1', version: '1.0.0', source: 'the identify operation' })
    expect(session.progress).toBe(true)
    await session.stop()
  })

  it('asks again for a baseline it could not read: a device still booting is not written off for the run', async () => {
    const { dut, identify } = fakeDut()
    identify.mockRejectedValueOnce(new Error('still booting'))
    const session = await RunSession.start({ lab, progress: false, createDut: () => dut })
    await expect(session.baseline()).rejects.toThrow('still booting')
    expect(session.observedDut).toBeUndefined()
    expect(await session.baseline()).toEqual({ model: 'FAKE-1', version: '1.0.0', source: 'the identify operation' })
    expect(identify).toHaveBeenCalledTimes(2)
    await session.stop()
  })

  describe('after an interruption', () => {
    const restarting = () => new DutError('E_DUT_UNREACHABLE', 'restore', 'the device is unavailable for now: 503 Service Unavailable')
    const said = (session: RunSession) => session.evidence.since(0).map((e) => e.summary)

    it('asks a device that is still restarting (the interrupted unit reset it) again, and restores it', async () => {
      const { dut, restore, close } = fakeDut()
      restore.mockRejectedValueOnce(restarting()).mockRejectedValueOnce(restarting()).mockResolvedValueOnce(undefined)
      const session = await RunSession.start({ lab, progress: false, createDut: () => dut })
      await session.interrupt()
      expect(restore).toHaveBeenCalledTimes(3)
      expect(said(session)).toContain('restored the device after the interruption')
      expect(close).toHaveBeenCalledTimes(1)
    })

    it('gives up at once on a device that refuses the restore, and says so', async () => {
      const { dut, restore } = fakeDut()
      restore.mockRejectedValue(new DutError('E_DUT_REFUSED', 'restore', 'the device refused POST /restore (401 Unauthorized)'))
      const session = await RunSession.start({ lab, progress: false, createDut: () => dut })
      await session.interrupt()
      expect(restore).toHaveBeenCalledTimes(1)
      expect(said(session).at(-1)).toMatch(/^could not restore the device after the interruption: restore: the device refused/)
    })
  })
})
