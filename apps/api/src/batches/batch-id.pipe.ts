import { ParseUUIDPipe } from '@nestjs/common';
import { ApiError } from '../http/api-error.js';

/** `:id` of a batch must be a uuid: 400 invalid_request otherwise. */
export const batchIdPipe = () => new ParseUUIDPipe({ exceptionFactory: () => new ApiError('invalid_request', 'batch id must be a uuid', { field: 'id' }) });
