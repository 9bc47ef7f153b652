// The API functions Responsys throttles separately (per account, per function, per minute), and
// the limits the client assumes when `GET /rest/api/ratelimit` cannot be read.
//
// Sources (shared/reference/responsys-api.md §5.2):
// - Oracle "Get Throttling Limits" (REF Throttling.html): limits are account-specific, per API
//   function, requests per minute; read them at runtime from `/rest/api/ratelimit`.
// - Oracle's sample response there (test-environment values, transcribed by api-evangelist):
//   Login 10/min, Retrieve Profile Lists 100/min, Merge List Recipients 1000/min, Retrieve List
//   Recipients 100/min, and "200/min default for high-volume functions" (triggers, merges).
// - Segment's actions-responsys pacing, "most common values observed in our customers":
//   list merge 400/min, PET merge 400–500/min, create PET 10/min, get PETs 1000/min.
// Where sources differ the default takes the lower figure: a default is only used when the
// account's real limits are unknown, and being slow is cheaper than being throttled.

/** Names of the throttled API functions, one per endpoint the client calls. */
export const API_FUNCTIONS = [
  "login",
  "retrieveProfileLists",
  "retrieveListFields",
  "mergeListMembers",
  "retrieveProfileExtensions",
  "createProfileExtension",
  "mergeProfileExtensionMembers",
  "retrieveCampaigns",
  "triggerEmail",
  "mergeTriggerEmail",
  "getRateLimits",
] as const;
export type ApiFunction = (typeof API_FUNCTIONS)[number];

/** Requests per minute assumed for each API function until the account's real limits are read. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<ApiFunction, number>> = {
  login: 10, // Oracle sample: Login 10/min
  retrieveProfileLists: 100, // Oracle sample: Retrieve Profile Lists 100/min
  retrieveListFields: 100, // no figure published; same class as Retrieve Profile Lists
  mergeListMembers: 200, // Oracle high-volume default 200/min (sample 1000, Segment 400)
  retrieveProfileExtensions: 100, // no Oracle figure; Segment observed 1000/min, take the retrieve class
  createProfileExtension: 10, // Segment observed 10/min (sleeps 6 s per create)
  mergeProfileExtensionMembers: 200, // Oracle high-volume default 200/min (Segment 400–500)
  retrieveCampaigns: 100, // no figure published; same class as the other retrieves
  triggerEmail: 200, // Oracle high-volume default 200/min
  mergeTriggerEmail: 200, // Oracle high-volume default 200/min
  getRateLimits: 10, // unthrottled as far as documented; we call it rarely anyway
};

/** Method and resource path (as `/rest/api/ratelimit` reports them) of each API function. */
export const API_FUNCTION_ROUTES: Readonly<Record<ApiFunction, { verb: string; resourcePath: string }>> = {
  login: { verb: "POST", resourcePath: "/auth/token" },
  retrieveProfileLists: { verb: "GET", resourcePath: "/lists" },
  retrieveListFields: { verb: "GET", resourcePath: "/lists/{listName}/fields" },
  mergeListMembers: { verb: "POST", resourcePath: "/lists/{listName}/members" },
  retrieveProfileExtensions: { verb: "GET", resourcePath: "/lists/{listName}/listExtensions" },
  createProfileExtension: { verb: "POST", resourcePath: "/lists/{listName}/listExtensions" },
  mergeProfileExtensionMembers: {
    verb: "POST",
    resourcePath: "/lists/{listName}/listExtensions/{petName}/members",
  },
  retrieveCampaigns: { verb: "GET", resourcePath: "/campaigns" },
  // Trigger and merge-trigger share one URL; Responsys tells them apart by the body.
  triggerEmail: { verb: "POST", resourcePath: "/campaigns/{campaignName}/email" },
  mergeTriggerEmail: { verb: "POST", resourcePath: "/campaigns/{campaignName}/email" },
  getRateLimits: { verb: "GET", resourcePath: "/ratelimit" },
};

// Other spellings of each function's name that a ratelimit response may use: Oracle's
// descriptions ("Merge List Recipients") and common system names. Compared after
// `normalizeApiName`.
const API_FUNCTION_ALIASES: Readonly<Record<ApiFunction, readonly string[]>> = {
  login: ["login", "auth", "authtoken", "authenticate", "loginwithusernamepassword"],
  retrieveProfileLists: ["retrieveprofilelists", "getprofilelists", "getlists", "lists", "retrievelists"],
  retrieveListFields: ["retrievelistfields", "getlistfields", "retrieveprofilelistfields", "listfields"],
  mergeListMembers: [
    "mergelistmembers",
    "mergelistrecipients",
    "mergeprofilelistmembers",
    "mergeprofilelistrecipients",
  ],
  retrieveProfileExtensions: [
    "retrieveprofileextensions",
    "getprofileextensions",
    "retrievelistextensions",
    "getlistextensions",
    "retrieveprofileextensiontables",
    "getpets",
  ],
  createProfileExtension: [
    "createprofileextension",
    "createprofileextensiontable",
    "createlistextension",
    "createpet",
  ],
  mergeProfileExtensionMembers: [
    "mergeprofileextensionmembers",
    "mergeprofileextensionrecipients",
    "mergeprofileextensiontablemembers",
    "mergelistextensionmembers",
    "mergepetmembers",
    "mergepetrecipients",
    "mergepet",
    "mergetablemembers",
  ],
  retrieveCampaigns: ["retrievecampaigns", "getcampaigns", "campaigns", "retrieveallcampaigns"],
  triggerEmail: [
    "triggeremail",
    "triggeremailmessage",
    "triggeredmessage",
    "triggeredemail",
    "triggermessage",
    "triggeremailmessages",
  ],
  mergeTriggerEmail: ["mergetriggeremail", "mergeandtriggeremail", "mergetriggeremailmessage"],
  getRateLimits: ["getratelimits", "ratelimit", "ratelimits", "getthrottlinglimits"],
};

/** Lower-cases and drops everything but letters and digits, so spellings compare equal. */
export function normalizeApiName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** The API function a ratelimit entry's `api` name or description stands for, if known. */
export function apiFunctionByName(name: string): ApiFunction | undefined {
  const wanted = normalizeApiName(name);
  if (wanted === "") return undefined;
  return API_FUNCTIONS.find(
    (fn) => normalizeApiName(fn) === wanted || API_FUNCTION_ALIASES[fn].includes(wanted),
  );
}

/** The API functions served at a verb and resource path as `/rest/api/ratelimit` reports them. */
export function apiFunctionsByRoute(verb: string, resourcePath: string): ApiFunction[] {
  const path = normalizeResourcePath(resourcePath);
  return API_FUNCTIONS.filter((fn) => {
    const route = API_FUNCTION_ROUTES[fn];
    return route.verb === verb.toUpperCase() && normalizeResourcePath(route.resourcePath) === path;
  });
}

// `/rest/api/v1.3/lists/{listName}/members`, `/lists/{list}/members/` and `/lists/{x}/members`
// all become `/lists/{}/members`.
function normalizeResourcePath(path: string): string {
  return path
    .trim()
    .replace(/^\/?rest\/(?:async|ha)?api\/(?:v\d+(?:\.\d+)?\/)?/i, "/")
    .replace(/\{[^}]*\}/g, "{}")
    .replace(/\/+$/, "")
    .replace(/^(?!\/)/, "/")
    .toLowerCase();
}
