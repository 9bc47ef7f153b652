export { BridgeError, isBridgeError, toBridgeError } from "./errors.ts";
export {
  fieldNameProblem,
  isValidFieldName,
  MAX_FIELD_NAME_LENGTH,
  RESERVED_SINGLE_LETTERS,
  toFieldName,
} from "./field-names.ts";
export {
  type EmailHashAlgorithm,
  hashEmail,
  isEmailShaped,
  md5Hex,
  normalizeEmail,
  sha256Hex,
} from "./identifiers.ts";
export {
  HASH_COLUMNS,
  type IdentifierColumn,
  type InteractObject,
  identifierColumnSchema,
  interactObjectSchema,
  isHashColumn,
  type PermissionStatus,
  permissionStatusSchema,
} from "./schemas.ts";
export {
  type AudienceEvent,
  type AudienceEventKind,
  audienceEventFor,
  isMemberOf,
} from "./webhook/audience.ts";
export { eventTimeFromMillis, eventTimeToMillis, parseEventTime } from "./webhook/event-time.ts";
export {
  cloudEventSchema,
  lyticsEventSchema,
  MAX_WEBHOOK_BATCH,
  parseWebhookBody,
  parseWebhookItem,
  type SegmentEvent,
  segmentEventSchema,
  type UserData,
  userDataSchema,
  type WebhookParseResult,
  type WebhookUser,
} from "./webhook/payload.ts";
