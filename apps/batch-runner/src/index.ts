// The batch runner's public face, for the local stack, the benchmarks and other apps embedding it.
export { main as runCli } from "./cli.ts";
export {
  type DatabaseLocation,
  findJob,
  type LoadedConfig,
  loadConfig,
  type ResolvedJob,
  validateConfig,
} from "./config/load.ts";
export { type JobConfig, jobConfigSchema, type RunnerConfig, runnerConfigSchema } from "./config/schema.ts";
export { type CheckResult, checkJob } from "./jobs/check.ts";
export {
  type ImportJobDeps,
  type ImportSummary,
  listCandidates,
  runImportJob,
} from "./jobs/import-activity.ts";
export { detectAccounts, type FileListing, listFiles } from "./jobs/inspect.ts";
export {
  type ConnectSource,
  openRuntime,
  type Runtime,
  type RuntimeOptions,
  runJobOnce,
} from "./jobs/runtime.ts";
export { createJsonLogger, type Logger, silentLogger } from "./logging/logger.ts";
export { createScheduler } from "./schedule/scheduler.ts";
export { createLyticsSink } from "./sinks/lytics-sink.ts";
export { createProfileMapper, type ProfileMapper } from "./sinks/profile-mapper.ts";
export type { Sink } from "./sinks/sink.ts";
export { createStoreSink } from "./sinks/store-sink.ts";
export { type Database, openDatabase } from "./store/database.ts";
export { FileStates } from "./store/file-state.ts";
export { allProfiles, findProfile } from "./store/profiles.ts";
