import { describeMatrix } from './matrix.ts'

describeMatrix('hawkbit')
