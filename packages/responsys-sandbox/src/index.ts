export { API_FUNCTION_NAMES, API_FUNCTIONS, type ApiFunction } from "./api-functions.ts";
export { ConnectionDroppedError, type ErrorEnvelope } from "./envelope.ts";
export { type ArmedFault, type Fault, type FaultInput, faultSchema } from "./faults.ts";
export type { RecordedRequest, RequestFilter } from "./recorder.ts";
export { MAX_RECORDS_PER_CALL } from "./records.ts";
export type { SandboxConfig } from "./runtime.ts";
export {
  createSandbox,
  DEFAULT_TOKEN_LIFETIME_MS,
  type Sandbox,
  type SandboxOptions,
  type SandboxState,
} from "./sandbox.ts";
export {
  defaultSeed,
  type Field,
  type FieldType,
  type Member,
  type SandboxSeed,
  type SandboxSeedInput,
  SYSTEM_LIST_FIELDS,
  sandboxSeedSchema,
} from "./seed.ts";
export type { SentEmail, StateSnapshot } from "./store.ts";
export { NO_RECIPIENT_FOUND, type TriggerResult } from "./trigger.ts";
