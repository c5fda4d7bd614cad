import { ParseUUIDPipe } from '@nestjs/common';
import { ApiError } from '../http/api-error.js';

/** `:id` must be a uuid: 400 invalid_request otherwise. */
export const mutationIdPipe = () => new ParseUUIDPipe({ exceptionFactory: () => new ApiError('invalid_request', 'mutation id must be a uuid', { field: 'id' }) });
