import { describeMatrix, describeServerObserved } from './matrix.ts'

describeServerObserved('hawkbit', describeMatrix('hawkbit'))
