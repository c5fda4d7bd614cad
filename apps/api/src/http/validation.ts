import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError } from './api-error.js';

/** Flattens class-validator errors into `{ path, message }` pairs naming the offending field. */
export function describeValidationErrors(errors: ValidationError[], parent = ''): { path: string; message: string }[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...describeValidationErrors(error.children ?? [], path)];
  });
}

/** Envelope validation: unknown fields are refused, types are checked, nothing is coerced silently. */
export function envelopeValidationPipe(code: 'invalid_request' | 'invalid_query'): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const violations = describeValidationErrors(errors);
      const first = violations[0];
      return new ApiError(code, first ? `${first.path}: ${first.message}` : 'invalid request', { violations });
    },
  });
}
