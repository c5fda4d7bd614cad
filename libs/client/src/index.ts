import type { components } from './generated/schema.js';

export { createCountersignClient, DEFAULT_BASE_URL, type CountersignClient, type CountersignClientOptions } from './countersign-client.js';
export { CountersignApiError, recorded, unwrap, type ApiErrorBody } from './api-error.js';
export { WaitForError, waitForStatus, type MutationStatus, type MutationView, type WaitOptions } from './wait-for.js';
export { itemsOf, pagesOf, type ItemOf, type PageOf, type PageParameters, type PagedPath } from './pages.js';
export { bearerAuth, readYourWrites, WritePosition } from './read-your-writes.js';
export { READ_YOUR_WRITES_ROUTES } from './generated/read-routes.js';
export type { components, operations, paths } from './generated/schema.js';

/** The schemas of the API by name (`Schemas['MutationRecord']`, `Schemas['Batch']`, …). */
export type Schemas = components['schemas'];
