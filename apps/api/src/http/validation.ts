import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { ApiError } from './api-error.js';

/** Flattens class-validator errors into `{ path, message }` pairs naming the offending field. */
export function describeValidationErrors(errors: ValidationError[], parent = ''): { path: string; message: string }[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...describeValidationErrors(error.children ?? [], path)];
  });
}

/**
 * One rule for `null` in every request envelope (docs/api.md "Requests"): a field whose value is
 * null is absent. Optional fields then take their default; required ones are reported missing.
 * Only the envelope's own fields (the DTO classes, nested ones included) are touched: a null
 * inside `payload` or `metadata` is data and stays.
 */
export function dropNullFields(entity: unknown): void {
  const stack: unknown[] = [entity];
  while (stack.length > 0) {
    const current = stack.pop();
    if (Array.isArray(current)) {
      stack.push(...current);
      continue;
    }
    if (!isDtoInstance(current)) continue;
    for (const [key, value] of Object.entries(current)) {
      if (value === null) delete (current as Record<string, unknown>)[key];
      else stack.push(value);
    }
  }
}

function isDtoInstance(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  const prototype = Object.getPrototypeOf(value) as object | null;
  return prototype !== null && prototype !== Object.prototype && prototype !== Array.prototype;
}

/** class-validator already skips null optional fields (and refuses null required ones); what passes is then handed on without them. */
class EnvelopeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const entity: unknown = await super.transform(value, metadata);
    dropNullFields(entity);
    return entity;
  }
}

/** Envelope validation: unknown fields are refused, types are checked, nothing is coerced silently, null is absent. */
export function envelopeValidationPipe(code: 'invalid_request' | 'invalid_query'): ValidationPipe {
  return new EnvelopeValidationPipe({
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
