import { describeMatrix } from './matrix.ts'

describeMatrix('detached')
