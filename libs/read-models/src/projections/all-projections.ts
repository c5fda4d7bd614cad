import { mutationsProjection } from './mutations.projection.js';
import { stateHistoryProjection, statesProjection } from './states.projection.js';
import { timersProjection } from './timers.projection.js';
import { batchesProjection } from './batches.projection.js';
import { sideEffectsProjection } from './side-effects.projection.js';

/** Every read-model projection, in the order they are started. */
export const allProjections = [mutationsProjection, statesProjection, stateHistoryProjection, timersProjection, batchesProjection, sideEffectsProjection] as const;
