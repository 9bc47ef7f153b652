import { describe, expect, it } from "vitest";
import {
  API_FUNCTIONS,
  apiFunctionByName,
  apiFunctionsByRoute,
  DEFAULT_RATE_LIMITS,
} from "./api-functions.ts";

describe("API function names", () => {
  it("has a documented default limit for every function", () => {
    for (const fn of API_FUNCTIONS) expect(DEFAULT_RATE_LIMITS[fn]).toBeGreaterThan(0);
  });

  it.each([
    ["Login", "login"],
    ["Retrieve Profile Lists", "retrieveProfileLists"],
    ["Retrieve Profile List Fields", "retrieveListFields"],
    ["Merge List Recipients", "mergeListMembers"],
    ["mergeListMembers", "mergeListMembers"],
    ["Retrieve Profile Extensions", "retrieveProfileExtensions"],
    ["Create Profile Extension", "createProfileExtension"],
    ["Merge Profile Extension Recipients", "mergeProfileExtensionMembers"],
    ["mergeTableMembers", "mergeProfileExtensionMembers"],
    ["Retrieve All Campaigns", "retrieveCampaigns"],
    ["Trigger Email", "triggerEmail"],
    ["triggeredMessage", "triggerEmail"],
    ["Merge Trigger Email", "mergeTriggerEmail"],
    ["Get Throttling Limits", "getRateLimits"],
    ["HA Merge List Recipients", undefined],
    ["", undefined],
  ])("%j → %s", (name, expected) => {
    expect(apiFunctionByName(name)).toBe(expected);
  });

  it.each([
    ["POST", "/lists/{listName}/members", ["mergeListMembers"]],
    ["post", "/rest/api/v1.3/lists/{list}/members/", ["mergeListMembers"]],
    ["GET", "/lists/{listName}/listExtensions", ["retrieveProfileExtensions"]],
    ["POST", "/campaigns/{campaignName}/email", ["triggerEmail", "mergeTriggerEmail"]],
    ["DELETE", "/lists/{listName}/members", []],
  ])("%s %s → %j", (verb, path, expected) => {
    expect(apiFunctionsByRoute(verb, path)).toEqual(expected);
  });
});
