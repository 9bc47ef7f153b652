export { defaultResponsysMapping, defaultResponsysMappingLql } from "./default-mapping.ts";
export { type EvaluateOptions, evaluate } from "./evaluate.ts";
export { hashEmail, responsysFieldName } from "./export-fields.ts";
export type { Position } from "./lexer.ts";
export {
  FIELD_KINDS,
  type FieldKind,
  type JsonValue,
  type Mapping,
  type MappingField,
  type MergeRule,
  mappingText,
  parseMapping,
} from "./mapping.ts";
export {
  applyEvent,
  applyEvents,
  eventProfile,
  identityOf,
  mergeProfiles,
  type Profile,
  publicFields,
  UPDATED_KEY,
} from "./profile.ts";
export { parseCanonicalIso } from "./time.ts";
