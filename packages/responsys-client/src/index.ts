export {
  API_FUNCTION_ROUTES,
  API_FUNCTIONS,
  type ApiFunction,
  apiFunctionByName,
  apiFunctionsByRoute,
  DEFAULT_RATE_LIMITS,
} from "./api-functions.ts";
export type { ApiRequest } from "./api-request.ts";
export { toAsciiJson } from "./ascii-json.ts";
export {
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  ResponsysClient,
  type ResponsysClientOptions,
} from "./client.ts";
export {
  classifyResponsysError,
  type ErrorFacts,
  isResponsysError,
  isRetryableKind,
  ResponsysError,
  type ResponsysErrorKind,
} from "./errors.ts";
export { isResponsysHost, normalizeLoginUrl } from "./login-url.ts";
export type { MergeResult } from "./merge-results.ts";
export { type ListMergeRule, type ListMergeRuleInput, listMergeRuleSchema } from "./merge-rule.ts";
export {
  applyAccountRateLimits,
  RATE_LIMIT_WINDOW_MS,
  RateLimiter,
  type RateLimiterOptions,
} from "./rate-limiter.ts";
export { assertRecordCount, chunk, MAX_RECORDS_PER_CALL, type RecordValue } from "./records.ts";
export type { AuthResource } from "./resources/auth.ts";
export type {
  Campaign,
  CampaignListOptions,
  CampaignPage,
  CampaignsResource,
  MergeTriggerInput,
  TriggerRecipient,
  TriggerResult,
} from "./resources/campaigns.ts";
export {
  type CreateExtensionInput,
  type ExtensionMergeInput,
  type ExtensionsResource,
  PET_FIELD_TYPES,
  type PetMatchColumn,
  type ProfileExtension,
} from "./resources/extensions.ts";
export type { ListField, ListMergeInput, ListsResource, ProfileList } from "./resources/lists.ts";
export { limitsPerMinute, type RateLimit, type RateLimitsResource } from "./resources/rate-limits.ts";
export { type DeliveryMode, retryDelayMs, shouldRetry } from "./retry.ts";
export { TOKEN_LIFETIME_MS, TOKEN_REFRESH_AFTER_MS } from "./session.ts";
export { MemoryTokenStore, type StoredToken, type TokenStore } from "./token-store.ts";
export type { FetchLike, Limiter } from "./transport.ts";
