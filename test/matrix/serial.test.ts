import { describeMatrix } from './matrix.ts'

describeMatrix('serial')
