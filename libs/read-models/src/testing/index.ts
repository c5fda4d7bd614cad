export { seededRandom, type SeededRandom } from './seeded-random.js';
export {
  SEED_APPROVERS,
  SEED_TAGS,
  loadLane,
  pendingCommandThroughLane,
  seedMutations,
  submitThroughLane,
  type LanePendingCommand,
  type LaneSubmission,
  type LoadedLane,
  type SeedMutationsOptions,
  type SeedResult,
  type SeededMutation,
  type SubmitThroughLaneOptions,
} from './seed-mutations.js';
export { connectReadModels, type ConnectReadModelsOptions, type ReadModelsConnection } from './read-models-database.js';
export {
  READ_MODEL_PRIMARY_KEYS,
  comparableRows,
  normalizeRow,
  snapshotReadModels,
  type ReadModelRow,
  type ReadModelSnapshot,
  type ReadModelTable,
} from './read-model-snapshot.js';
export { expectedReadModels, statusAfter } from './expected-read-models.js';
export { accessPolicyContract, type AccessPolicy } from './access-policy.contract.js';
export { laneScenario, type LaneScenario, type ScenarioSubmit } from './lane-scenario.js';
