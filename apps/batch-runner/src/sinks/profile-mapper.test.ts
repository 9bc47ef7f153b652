import { defaultResponsysMapping, parseMapping } from "@responsys-bridge/mapping";
import { describe, expect, it } from "vitest";
import { createProfileMapper } from "./profile-mapper.ts";

const events: Array<Record<string, unknown>> = [
  { event: "OPEN", _ts: "2026-03-01T09:00:00.000Z", riid: "1000", email: "A@Example.com" },
  { event: "OPEN", _ts: "2026-03-01T09:00:00.000Z", email: "a@example.com" },
  { event: "CLICK", _ts: "2026-03-01T09:00:00.000Z", email: "not an email" },
  { event: "SENT", _ts: "2026-03-01T09:00:00.000Z" },
  { event: "SENT", _ts: "2026-03-01T09:00:00.000Z", riid: "" },
];

describe("createProfileMapper", () => {
  const mappings = {
    default: defaultResponsysMapping,
    conditional: parseMapping(
      'SELECT riid AS rs_user_id IF eq(event, "OPEN"), email(email) AS email, count(event) AS n FROM s INTO user BY rs_user_id OR email',
    ),
  };
  it.each(Object.entries(mappings))(
    "identifies an event's share as identityOf does (%s mapping)",
    (_name, mapping) => {
      const mapper = createProfileMapper(mapping);
      for (const event of events) {
        expect(mapper.identifyShare(mapper.share(event))).toBe(mapper.identify(event));
      }
    },
  );

  it("keys profiles by the first identity present", () => {
    const mapper = createProfileMapper(defaultResponsysMapping);
    expect(events.map((event) => mapper.identify(event))).toEqual([
      "rs_user_id:1000",
      "email:a@example.com",
      undefined,
      undefined,
      undefined,
    ]);
  });
});
