import { mutationsProjection } from './mutations.projection.js';
import { stateHistoryProjection, statesProjection } from './states.projection.js';

/** Every read-model projection, in the order they are started. */
export const allProjections = [mutationsProjection, statesProjection, stateHistoryProjection] as const;
