/** What a caller is told while the database cannot be reached (never the driver's words). */
export const DATABASE_UNAVAILABLE_MESSAGE = 'the database is unreachable; try again shortly';

/** Socket errors of a connection that could not be made or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL's own: connection exceptions (class 08), a server shutting down or
 * starting up (57P01-57P03), and one with no connection left to give (53300).
 */
const SERVER_CODES = /^(08...|57P0[123]|53300)$/;

/** Sequelize's names for a connection it could not make or get from its pool. */
const SEQUELIZE_NAMES = new Set([
  'SequelizeConnectionError',
  'SequelizeConnectionRefusedError',
  'SequelizeConnectionTimedOutError',
  'SequelizeHostNotFoundError',
  'SequelizeHostNotReachableError',
  'SequelizeConnectionAcquireTimeoutError',
]);

/** node-postgres's words for a connection that went away under a query or was never made. */
const DRIVER_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout)/;

/**
 * Whether an error says that the database could not be reached, or that the connection
 * to it was lost (the server stopped, restarted or is starting up): a passing state,
 * after which the same call may succeed. Looks through Sequelize's and Node's wrappers.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    parent?: unknown;
    original?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (typeof e.name === 'string' && SEQUELIZE_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || SERVER_CODES.test(e.code))) {
    return true;
  }
  if (typeof e.message === 'string' && DRIVER_MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isDatabaseUnavailable(x, depth + 1))) {
    return true;
  }
  return [e.parent, e.original, e.cause].some(
    (inner) => inner !== undefined && inner !== error && isDatabaseUnavailable(inner, depth + 1),
  );
}
