/** Every error ts701 raises on purpose carries a stable code, so callers and tests match on it. */
export class Ts701Error extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** The command line itself is wrong (unknown option, missing argument). Exit code 3. */
export class UsageError extends Ts701Error {
  constructor(message: string) {
    super('E_USAGE', message)
  }
}

/**
 * Something of the lab's is broken, not the device: the update-server emulator cannot take its
 * port, a certificate, key or image file cannot be read. Nothing observed after it would be about
 * the DUT, so the run stops with exit code 3 and writes no verdict.
 */
export class LabFaultError extends Ts701Error {
  constructor(message: string) {
    super('E_LAB_FAULT', message)
  }
}

/**
 * The lab machine, not the documents or the device, stops the run: the output folder cannot be
 * made, another run holds it, it holds files that are not ts701's, or a disk is full or read-only.
 * Exit code 3, one line naming the path and the cause.
 */
export class EnvironmentError extends Ts701Error {}
