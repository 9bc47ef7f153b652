/** One throttled Responsys API function, as `GET /rest/api/ratelimit` describes it. */
export interface ApiFunction {
  api: string;
  verb: "GET" | "POST";
  resourcePath: string;
  /** Requests per minute when the sandbox is not configured otherwise. */
  defaultLimit: number;
  description: string;
}

// Limits: Oracle's sample ratelimit body (test-environment values, reference §5.2) where it has one
// (Login 10, Retrieve Profile Lists 100, Merge List Recipients 1000); otherwise the pacing Segment
// observed in customer accounts (Merge PET 500, Create PET 10, Get PETs 1000) and the 200/min
// "default for high-volume functions" for triggers. Names follow Oracle's function names.
export const API_FUNCTIONS: readonly ApiFunction[] = [
  {
    api: "Login",
    verb: "POST",
    resourcePath: "/auth/token",
    defaultLimit: 10,
    description: "Log in with user name and password, or refresh a token",
  },
  {
    api: "Retrieve Profile Lists",
    verb: "GET",
    resourcePath: "/lists",
    defaultLimit: 100,
    description: "Retrieve all profile lists",
  },
  {
    api: "Retrieve Profile List Fields",
    verb: "GET",
    resourcePath: "/lists/{listName}/fields",
    defaultLimit: 100,
    description: "Retrieve the fields of a profile list",
  },
  {
    api: "Merge List Recipients",
    verb: "POST",
    resourcePath: "/lists/{listName}/members",
    defaultLimit: 1000,
    description: "Merge or update members in a profile list",
  },
  {
    api: "Retrieve Profile Extensions",
    verb: "GET",
    resourcePath: "/lists/{listName}/listExtensions",
    defaultLimit: 1000,
    description: "Retrieve the profile extension tables of a profile list",
  },
  {
    api: "Create Profile Extension",
    verb: "POST",
    resourcePath: "/lists/{listName}/listExtensions",
    defaultLimit: 10,
    description: "Create a profile extension table",
  },
  {
    api: "Merge Profile Extension Recipients",
    verb: "POST",
    resourcePath: "/lists/{listName}/listExtensions/{petName}/members",
    defaultLimit: 500,
    description: "Merge or update members in a profile extension table",
  },
  {
    api: "Retrieve All Campaigns",
    verb: "GET",
    resourcePath: "/campaigns",
    defaultLimit: 100,
    description: "Retrieve campaigns of a channel",
  },
  {
    api: "Trigger Email",
    verb: "POST",
    resourcePath: "/campaigns/{campaignName}/email",
    defaultLimit: 200,
    description: "Trigger an email message to existing profile list members",
  },
  {
    api: "Merge Trigger Email",
    verb: "POST",
    resourcePath: "/campaigns/{campaignName}/email",
    defaultLimit: 200,
    description: "Merge recipients into the campaign's list and trigger an email message",
  },
  {
    api: "Get Throttling Limits",
    verb: "GET",
    resourcePath: "/ratelimit",
    defaultLimit: 100,
    description: "Retrieve the throttling limits of the account",
  },
];

export const API_FUNCTION_NAMES: readonly string[] = API_FUNCTIONS.map((fn) => fn.api);

const V13 = "/rest/api/v1.3";

/**
 * Which API function a request calls, or undefined for paths the sandbox does not serve. The
 * campaign email URL carries two functions told apart by body (reference §4).
 */
export function classifyRequest(method: string, pathname: string, body: unknown): string | undefined {
  if (method === "GET" && pathname === "/rest/api/ratelimit") return "Get Throttling Limits";
  if (!pathname.startsWith(`${V13}/`)) return undefined;
  const segments = pathname.slice(V13.length + 1).split("/");
  const [head, name, sub, pet, leaf] = segments;
  const count = segments.length;
  if (method === "POST" && head === "auth" && name === "token" && count === 2) return "Login";
  if (head === "lists") {
    if (count === 1 && method === "GET") return "Retrieve Profile Lists";
    if (count === 3 && sub === "fields" && method === "GET") return "Retrieve Profile List Fields";
    if (count === 3 && sub === "members" && method === "POST") return "Merge List Recipients";
    if (count === 3 && sub === "listExtensions") {
      if (method === "GET") return "Retrieve Profile Extensions";
      if (method === "POST") return "Create Profile Extension";
    }
    if (count === 5 && sub === "listExtensions" && pet && leaf === "members" && method === "POST") {
      return "Merge Profile Extension Recipients";
    }
    return undefined;
  }
  if (head === "campaigns") {
    if (count === 1 && method === "GET") return "Retrieve All Campaigns";
    if (count === 3 && name && sub === "email" && method === "POST") {
      return isObject(body) && "mergeTriggerRecordData" in body ? "Merge Trigger Email" : "Trigger Email";
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
