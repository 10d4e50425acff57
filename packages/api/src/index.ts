export { appRouter, type AppRouter } from './root.js';
export { createCallerFactory } from './trpc.js';
export type { Meta } from './trpc.js';
export {
  createContext,
  SESSION_COOKIE,
  type Context,
  type Identity,
  type RequestInfo,
} from './context.js';
export {
  createServices,
  Hubs,
  type ServerConfig,
  type Services,
  type ServiceOptions,
} from './services.js';
export { createOpsHandler, type OpsOptions } from './ops.js';
export { createFetchHandler, createApiServer, TRPC_ENDPOINT } from './http.js';
export { createOutputStreamHandler, OUTPUT_STREAM_PATH } from './automation/output-stream.js';
export { authSettingsFrom, type AuthSettings } from './env.js';
export { hashPassword } from './auth/secrets.js';
export {
  SERVER_SECTIONS,
  startNetAuto,
  type NetAutoRuntime,
  type RuntimeConfig,
  type StartOptions,
} from './boot.js';
