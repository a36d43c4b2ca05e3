import { describeMatrix } from './matrix.ts'

describeMatrix('mqtt')
