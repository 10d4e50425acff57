import { repositories, withTransaction, type Database, type Repositories } from '@netauto/db';

/**
 * The repositories a service works with: `repos` on the pool, and `transaction` for
 * changes that must land together (each call gets repositories bound to one transaction:
 * all of it commits, or none). Services receive one in their constructor, so that a unit
 * test can hand them repositories kept in memory.
 */
export interface Store<R = Repositories> {
  readonly repos: R;
  transaction<T>(fn: (repos: R) => Promise<T>): Promise<T>;
}

/**
 * The methods a service calls, per repository: `Uses<{ runs: 'get' | 'list' }>` is
 * `{ runs: Pick<Repositories['runs'], 'get' | 'list'> }`. A service names what it needs,
 * and a fake in a test implements exactly that.
 */
export type Uses<T extends { [K in keyof Repositories]?: keyof Repositories[K] }> = {
  [K in keyof T & keyof Repositories]: Pick<Repositories[K], T[K] & keyof Repositories[K]>;
};

/** The store of a database: its repositories made once, and its managed transactions. */
export function databaseStore(db: Database): Store {
  const repos = repositories(db);
  return {
    repos,
    transaction: (fn) => withTransaction(db, fn),
  };
}
