/**
 * Domain errors. Repositories and services throw these instead of driver errors;
 * the API maps each kind to one transport code.
 */
export abstract class DomainError extends Error {
  abstract readonly kind: 'not_found' | 'conflict' | 'invalid_state' | 'validation' | 'forbidden';
}

export class NotFoundError extends DomainError {
  readonly kind = 'not_found';
  constructor(
    readonly entity: string,
    readonly key: string | number,
  ) {
    super(`${entity} ${String(key)} not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict';
  /** The fields whose values conflict with an existing row. */
  constructor(
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

export class InvalidStateError extends DomainError {
  readonly kind = 'invalid_state';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidStateError';
  }
}

export class ValidationError extends DomainError {
  readonly kind = 'validation';
  /** Messages by field path (dot-separated). */
  constructor(
    message: string,
    readonly fieldErrors: Record<string, string[]> = {},
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden';
  constructor(message = 'your role does not allow this') {
    super(message);
    this.name = 'ForbiddenError';
  }
}
