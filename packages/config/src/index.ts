export {
  ConfigError,
  CREDENTIAL_SUFFIXES,
  listenPort,
  loadConfig,
  SECTIONS,
  VARIABLE_NAMES,
  withCredentials,
  type Config,
  type ConfigOf,
  type Environment,
  type SectionName,
} from './config.js';
export { READERS, type Reader, type Section, type SectionValues, type Variable } from './define.js';
export { DEFAULT_PORT } from './sections.js';
export { TABLE_END, TABLE_START, variablesTable, withVariablesTable } from './docs.js';
