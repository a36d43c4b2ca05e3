/** The device's designation as IXIT 2-UserInfo (UserInfo-1) gives it. */
export const MODEL = 'TS701-REF-1'
/** What the `wrong-model` flaw reports instead. */
export const WRONG_MODEL = 'TS701-REF-2'
export const DEFAULT_HARDWARE_ID = 'ts701-ref-hw1'
