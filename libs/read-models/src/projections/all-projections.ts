import { mutationsProjection } from './mutations.projection.js';
import { stateHistoryProjection, statesProjection } from './states.projection.js';
import { timersProjection } from './timers.projection.js';

/** Every read-model projection, in the order they are started. */
export const allProjections = [mutationsProjection, statesProjection, stateHistoryProjection, timersProjection] as const;
