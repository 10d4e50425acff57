export {
  setupTestPostgres,
  createTestDatabase,
  createEmptyDatabase,
  urlFor,
  type TestPostgres,
  type TestDatabase,
} from './postgres.js';
export {
  factories,
  deviceFactory,
  groupFactory,
  templateFactory,
  runFactory,
  unique,
  type Factories,
} from './factories.js';
export { startRestartablePostgres, type RestartablePostgres } from './outage.js';
