/**
 * The API contract for clients (package export `@devflow/control-plane/api-client`): the typed
 * client, the route types, the answer shapes, and the pipeline constants the console shows.
 * Everything but the client and the constants is types only, so the console's bundle gets no zod.
 */
export { DevflowApi, queryString, requestFor, type ApiRequest, type Transport } from './client.js';
export type { Route, RouteAnswer, RouteBody, RouteInput, RouteQuery } from './routes.js';
export type * from './shapes.js';
export { COMMAND_STAGES, DEFAULT_HEALTHCHECK_PATH, DEFAULT_KEEP_RELEASES, DEFAULT_STAGE_TIMEOUTS_S, STAGES, type CommandStage, type StageName } from '../pipeline/stages.js';
