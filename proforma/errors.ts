import { Ts701Error } from '../core/errors.ts'

/** A supplier's file that cannot be read as the format its name says (corrupt .docx, not a spreadsheet, unknown extension). */
export class UnreadableDocumentError extends Ts701Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('E_IMPORT_READ', `${file}: ${reason}`)
  }
}

/** An import whose files hold nothing ts701 recognises as an ICS or IXIT table. */
export class NothingToImportError extends Ts701Error {
  constructor(message: string) {
    super('E_IMPORT_EMPTY', message)
  }
}
