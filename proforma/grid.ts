/**
 * A table as a supplier's document holds it, whatever the file format: the readers (Markdown,
 * Word, spreadsheets) all produce grids, and the importer maps grids to ICS and IXIT entries.
 */

/** Where a grid was found, for the import report and for messages: `line 12`, `sheet "UpdMech"`, `table 3`. */
export interface GridOrigin {
  file: string
  where: string
}

export interface Grid {
  origin: GridOrigin
  /**
   * Headings in force above the table, outermost first (Markdown or Word headings; for a sheet,
   * its name). They name the IXIT table ("IXIT 7-UpdMech") or the entry ("UpdMech-Network").
   */
  headings: string[]
  /** The paragraph right before the table when it reads like a caption ("Table 7: Update mechanisms"), else ''. */
  caption: string
  /**
   * Cell texts row by row. A merged cell's text is repeated in every position it covers, line
   * breaks inside a cell are kept as '\n', and leading and trailing blanks are trimmed. Rows
   * that are empty in every cell are left out; rows may differ in length.
   */
  rows: string[][]
}

/** A supplier's document read into grids; `notes` says what a reader could not use (e.g. an image-only table). */
export interface ReadDocument {
  file: string
  grids: Grid[]
  notes: string[]
}
