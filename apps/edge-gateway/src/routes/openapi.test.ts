import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, expectJson } from "../../test/admin.ts";
import { app } from "../app.ts";

type Document = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
  components: Record<string, Record<string, unknown>>;
};

function refsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (typeof value === "object" && value !== null) {
    for (const [key, inner] of Object.entries(value)) {
      if (key === "$ref" && typeof inner === "string") found.push(inner);
      else refsIn(inner, found);
    }
  }
  return found;
}

describe("GET /v1/openapi.json", () => {
  it("needs the admin token", async () => {
    expect((await exports.default.fetch("http://gateway/v1/openapi.json")).status).toBe(401);
  });

  it("serves an OpenAPI 3.1 document whose references all resolve", async () => {
    const document = await expectJson<Document>(await admin("GET", "/v1/openapi.json"), 200);
    expect(document.openapi).toBe("3.1.0");
    expect(document.info.title).toBeTruthy();
    for (const ref of refsIn(document)) {
      const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
      expect(section && name ? document.components[section]?.[name] : undefined, ref).toBeDefined();
    }
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(Object.keys(operation.responses ?? {}).length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
  });

  it("covers every route the app serves, both halves", async () => {
    const document = await expectJson<Document>(await admin("GET", "/v1/openapi.json"), 200);
    const served = app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
    expect(served.length).toBeGreaterThan(15);
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path}`),
    );
    expect(served.filter((route) => !documented.includes(route))).toEqual([]);
    expect(documented.filter((route) => !served.includes(route))).toEqual([]);
  });

  it("describes job bodies from the same schemas the API validates with", async () => {
    const document = await expectJson<Document>(await admin("GET", "/v1/openapi.json"), 200);
    const body = document.components.schemas?.ExportAudienceJobBody as {
      properties: Record<string, { maxItems?: number }>;
      required: string[];
    };
    expect(body.properties.additionalFields?.maxItems).toBe(29);
    expect(body.required).toEqual(expect.arrayContaining(["type", "label", "idMappings", "matchColumn1"]));
  });
});
