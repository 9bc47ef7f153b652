import type { Hono } from "hono";
import { z } from "zod";
import type { HonoEnv } from "../http/context.ts";
import {
  exportAudienceBodySchema,
  exportAudienceJobSchema,
  exportCampaignBodySchema,
  exportCampaignJobSchema,
} from "../jobs/definition.ts";
import { createAuthorizationBodySchema } from "./authorizations/create.ts";
import { authorizationViewSchema } from "./authorizations/view.ts";
import { updateJobBodySchema } from "./jobs/update.ts";

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema, as a request or as a response. */
function schemaOf(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
/** The `{ items: [...] }` envelope the list routes answer with. */
const itemsOf = (name: string) => ({
  type: "object",
  properties: { items: { type: "array", items: ref(name) } },
});
const json = (schema: JsonSchema) => ({ "application/json": { schema } });
const answer = (description: string, schema?: JsonSchema) =>
  schema === undefined ? { description } : { description, content: json(schema) };
const errors = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((status) => [String(status), { $ref: `#/components/responses/Error${status}` }]),
  );
const pathId = (name: string, description: string) => ({
  name,
  in: "path",
  required: true,
  schema: { type: "string" },
  description,
});
const jobId = pathId("id", "Job id (`job_…`).");
const authorizationId = pathId("id", "Authorization id (`auth_…`).");
const ingestCounts = {
  type: "object",
  required: ["accepted", "duplicates", "ignored"],
  properties: {
    accepted: { type: "integer" },
    duplicates: { type: "integer" },
    ignored: { type: "integer" },
  },
};
const lyticsView = {
  anyOf: [
    {
      type: "object",
      required: ["apiUrl", "hasApiToken"],
      properties: { apiUrl: { type: "string" }, hasApiToken: { type: "boolean" } },
    },
    { type: "null" },
  ],
};
const jobViewExtra = {
  type: "object",
  required: ["updatedAt", "webhookUrl"],
  properties: {
    updatedAt: { type: "string", format: "date-time" },
    webhookUrl: { type: "string", format: "uri" },
  },
};
const errorStatuses: Record<number, string> = {
  400: "The request is invalid; `error.message` names the field.",
  401: "Missing or wrong credentials.",
  404: "No such object.",
  409: "The object is in use or still holds queued users.",
  413: "The body is too large.",
  415: "The body is not JSON (or NDJSON where allowed).",
  422: "Responsys refused the login (`details.responsysErrorCode`).",
  429: "The job's queue is full; retry after `Retry-After` seconds.",
  500: "The gateway is misconfigured (BAD_ENVIRONMENT) or failed.",
  502: "Responsys refused the call.",
  503: "The job is paused or Responsys is unavailable; retry after `Retry-After` seconds.",
};

/** Builds the OpenAPI 3.1 document of every gateway route, from the same zod schemas the routes use. */
export function openApiDocument(): Record<string, unknown> {
  const jobBody = {
    oneOf: [ref("ExportAudienceJobBody"), ref("ExportCampaignJobBody")],
    discriminator: { propertyName: "type" },
  };
  const jobView = {
    oneOf: [
      { allOf: [ref("ExportAudienceJob"), jobViewExtra] },
      {
        allOf: [
          ref("ExportCampaignJob"),
          jobViewExtra,
          { type: "object", properties: { lytics: lyticsView } },
        ],
      },
    ],
  };
  return {
    openapi: "3.1.0",
    info: {
      title: "responsys-bridge edge gateway",
      version: "0.1.0",
      description:
        "Admin API (authorizations, jobs, queues) and webhook ingest of the responsys-bridge gateway. " +
        "Every error answers `{ error: { code, message, requestId } }`.",
    },
    security: [{ adminToken: [] }],
    paths: {
      "/v1/openapi.json": {
        get: {
          summary: "This document",
          responses: { 200: answer("OpenAPI 3.1 document", { type: "object" }), ...errors(401) },
        },
      },
      "/v1/authorizations": {
        post: {
          summary: "Store Responsys credentials (checked by a login unless verify=false)",
          parameters: [
            {
              name: "verify",
              in: "query",
              schema: { type: "string", enum: ["true", "false"], default: "true" },
            },
          ],
          requestBody: { required: true, content: json(ref("CreateAuthorizationBody")) },
          responses: {
            201: answer("Created; the password is never returned", ref("Authorization")),
            ...errors(400, 401, 422, 503),
          },
        },
        get: {
          summary: "List authorizations",
          responses: {
            200: answer("Authorizations", itemsOf("Authorization")),
            ...errors(401),
          },
        },
      },
      "/v1/authorizations/{id}": {
        get: {
          summary: "Read an authorization",
          parameters: [authorizationId],
          responses: { 200: answer("The authorization", ref("Authorization")), ...errors(401, 404) },
        },
        delete: {
          summary: "Delete an authorization no job uses",
          parameters: [authorizationId],
          responses: { 204: answer("Deleted"), ...errors(401, 404, 409) },
        },
      },
      "/v1/authorizations/{id}/lists": {
        get: {
          summary: "Profile lists, read live from Responsys",
          parameters: [authorizationId],
          responses: {
            200: answer("Lists", itemsOf("ProfileList")),
            ...errors(401, 404, 422, 502, 503),
          },
        },
      },
      "/v1/authorizations/{id}/lists/{list}/extensions": {
        get: {
          summary: "Profile extension tables of a list, read live from Responsys",
          parameters: [authorizationId, pathId("list", "Profile list name.")],
          responses: {
            200: answer("PETs", itemsOf("ProfileExtension")),
            ...errors(401, 404, 422, 502, 503),
          },
        },
      },
      "/v1/authorizations/{id}/campaigns": {
        get: {
          summary: "Email campaigns, read live from Responsys, one page at a time",
          parameters: [
            authorizationId,
            { name: "offset", in: "query", schema: { type: "integer", minimum: 0, default: 0 } },
            {
              name: "limit",
              in: "query",
              schema: { type: "integer", minimum: 1, maximum: 200, default: 200 },
            },
          ],
          responses: {
            200: answer("A page of campaigns", ref("CampaignPage")),
            ...errors(400, 401, 404, 422, 502, 503),
          },
        },
      },
      "/v1/jobs": {
        post: {
          summary: "Create a job; the answer carries its webhook URL and secret (shown once)",
          requestBody: { required: true, content: json(jobBody) },
          responses: {
            201: answer("Created", {
              allOf: [
                jobView,
                {
                  type: "object",
                  required: ["webhookSecret"],
                  properties: { webhookSecret: { type: "string" } },
                },
              ],
            }),
            ...errors(400, 401, 422, 503),
          },
        },
        get: {
          summary: "List jobs",
          responses: {
            200: answer("Jobs", { type: "object", properties: { items: { type: "array", items: jobView } } }),
            ...errors(401),
          },
        },
      },
      "/v1/jobs/{id}": {
        get: {
          summary: "Read a job",
          parameters: [jobId],
          responses: { 200: answer("The job", jobView), ...errors(401, 404) },
        },
        patch: {
          summary: "Change label, description or paused",
          parameters: [jobId],
          requestBody: { required: true, content: json(ref("UpdateJobBody")) },
          responses: { 200: answer("The job", jobView), ...errors(400, 401, 404) },
        },
        delete: {
          summary: "Delete a job (409 while users are queued unless discard=true)",
          parameters: [
            jobId,
            {
              name: "discard",
              in: "query",
              schema: { type: "string", enum: ["true", "false"], default: "false" },
            },
          ],
          responses: { 204: answer("Deleted"), ...errors(400, 401, 404, 409) },
        },
      },
      "/v1/jobs/{id}/status": {
        get: {
          summary: "Queue state, totals, last flush and last error",
          parameters: [jobId],
          responses: { 200: answer("Status", ref("JobStatus")), ...errors(401, 404) },
        },
      },
      "/v1/jobs/{id}/flush": {
        post: {
          summary: "Flush now, whatever the count or age",
          parameters: [jobId],
          responses: { 200: answer("Flush report", ref("FlushReport")), ...errors(401, 404, 409, 503) },
        },
      },
      "/v1/jobs/{id}/dead-letters": {
        get: {
          summary: "Users Responsys rejected, a page at a time",
          parameters: [jobId, { name: "cursor", in: "query", schema: { type: "string" } }],
          responses: {
            200: answer("A page of dead letters", ref("DeadLetterPage")),
            ...errors(400, 401, 404),
          },
        },
        delete: {
          summary: "Drop every dead letter",
          parameters: [jobId],
          responses: {
            200: answer("Deleted", { type: "object", properties: { deleted: { type: "integer" } } }),
            ...errors(401, 404),
          },
        },
      },
      "/v1/jobs/{id}/dead-letters/replay": {
        post: {
          summary: "Queue dead letters again (all, or the given ids)",
          parameters: [jobId],
          requestBody: {
            required: false,
            content: json({
              type: "object",
              properties: { ids: { type: "array", items: { type: "integer" } } },
            }),
          },
          responses: { 200: answer("Replay report", ref("ReplayReport")), ...errors(400, 401, 404) },
        },
      },
      "/v1/jobs/{id}/backfill": {
        post: {
          summary: "Queue current audience members as enters (JSON array or NDJSON of user objects)",
          parameters: [jobId],
          requestBody: {
            required: true,
            content: {
              "application/json": { schema: { type: "array", items: { type: "object" } } },
              "application/x-ndjson": { schema: { type: "string" } },
            },
          },
          responses: { 202: answer("Queued", ingestCounts), ...errors(400, 401, 404, 413, 415, 429, 503) },
        },
      },
      "/v1/hooks/{jobId}": {
        post: {
          summary: "Lytics audience webhook (default, batched array or CloudEvents form)",
          security: [{ webhookBearer: [] }, { webhookApiKey: [] }],
          parameters: [pathId("jobId", "Job id (`job_…`).")],
          requestBody: {
            required: true,
            content: json({
              oneOf: [{ type: "object" }, { type: "array", items: { type: "object" }, maxItems: 1000 }],
            }),
          },
          responses: {
            202: answer("Durable in the job's queue", ingestCounts),
            ...errors(400, 401, 404, 413, 415, 429, 503),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        adminToken: { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" },
        webhookBearer: { type: "http", scheme: "bearer", description: "The job's webhook secret" },
        webhookApiKey: {
          type: "apiKey",
          in: "header",
          name: "X-Api-Key",
          description: "The job's webhook secret",
        },
      },
      responses: Object.fromEntries(
        Object.entries(errorStatuses).map(([status, description]) => [
          `Error${status}`,
          { description, content: json(ref("ErrorEnvelope")) },
        ]),
      ),
      schemas: {
        ErrorEnvelope: {
          type: "object",
          required: ["error"],
          properties: {
            error: {
              type: "object",
              required: ["code", "message", "requestId"],
              properties: {
                code: { type: "string", pattern: "^[A-Z][A-Z0-9_]*$" },
                message: { type: "string" },
                requestId: { type: "string", pattern: "^req_" },
                details: { type: "object" },
              },
            },
          },
        },
        CreateAuthorizationBody: schemaOf(createAuthorizationBodySchema, "input"),
        Authorization: schemaOf(authorizationViewSchema, "output"),
        ProfileList: {
          type: "object",
          properties: {
            name: { type: "string" },
            folderName: { type: ["string", "null"] },
            fields: { type: "array", items: ref("Field") },
          },
        },
        ProfileExtension: {
          type: "object",
          properties: {
            objectName: { type: "string" },
            folderName: { type: ["string", "null"] },
            fields: { type: "array", items: ref("Field") },
          },
        },
        Field: {
          type: "object",
          properties: { fieldName: { type: "string" }, fieldType: { type: "string" } },
        },
        CampaignPage: {
          type: "object",
          properties: {
            items: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  id: { type: ["integer", "null"] },
                  name: { type: "string" },
                  folderName: { type: ["string", "null"] },
                  list: {
                    anyOf: [
                      {
                        type: "object",
                        properties: {
                          objectName: { type: "string" },
                          folderName: { type: ["string", "null"] },
                        },
                      },
                      { type: "null" },
                    ],
                  },
                  type: { type: ["string", "null"] },
                  status: { type: ["string", "null"] },
                  purpose: { type: ["string", "null"] },
                },
              },
            },
            offset: { type: "integer" },
            limit: { type: "integer" },
            nextOffset: { type: ["integer", "null"] },
          },
        },
        ExportAudienceJobBody: schemaOf(exportAudienceBodySchema, "input"),
        ExportCampaignJobBody: schemaOf(exportCampaignBodySchema, "input"),
        ExportAudienceJob: schemaOf(exportAudienceJobSchema, "output"),
        ExportCampaignJob: schemaOf(exportCampaignJobSchema.omit({ lytics: true }), "output"),
        UpdateJobBody: schemaOf(updateJobBodySchema, "input"),
        JobStatus: {
          type: "object",
          required: ["state", "queued", "totals", "deadLetters"],
          properties: {
            state: { type: "string", enum: ["running", "paused", "failing"] },
            queued: { type: "integer" },
            oldestQueuedAt: { type: ["string", "null"], format: "date-time" },
            nextFlushAt: { type: ["string", "null"], format: "date-time" },
            totals: {
              type: "object",
              properties: Object.fromEntries(
                ["received", "duplicates", "ignored", "sent", "rejected", "flushes", "apiCalls"].map(
                  (name) => [name, { type: "integer" }],
                ),
              ),
            },
            lastFlush: {
              anyOf: [
                {
                  type: "object",
                  properties: {
                    at: { type: "string", format: "date-time" },
                    users: { type: "integer" },
                    ok: { type: "integer" },
                    failed: { type: "integer" },
                    durationMs: { type: "integer" },
                  },
                },
                { type: "null" },
              ],
            },
            lastError: {
              anyOf: [
                {
                  type: "object",
                  properties: {
                    at: { type: "string" },
                    code: { type: "string" },
                    message: { type: "string" },
                  },
                },
                { type: "null" },
              ],
            },
            deadLetters: { type: "integer" },
            campaign: {
              description: "export_campaign jobs only",
              type: "object",
              properties: {
                entries: {
                  type: "object",
                  properties: { queued: { type: "integer" }, inFlight: { type: "integer" } },
                },
                exits: { type: "integer" },
                backfill: {
                  description: "the Lytics segment scan backfill; null when the job does not scan",
                  anyOf: [
                    {
                      type: "object",
                      properties: {
                        state: { type: "string", enum: ["scanning", "done", "failed"] },
                        done: { type: "boolean" },
                        pages: { type: "integer" },
                        users: { type: "integer" },
                        cursor: { type: "string" },
                        startedAt: { type: ["string", "null"], format: "date-time" },
                        finishedAt: { type: ["string", "null"], format: "date-time" },
                        nextPageAt: { type: ["string", "null"], format: "date-time" },
                        lastError: {
                          anyOf: [
                            {
                              type: "object",
                              properties: {
                                at: { type: "string", format: "date-time" },
                                code: { type: "string" },
                                message: { type: "string" },
                              },
                            },
                            { type: "null" },
                          ],
                        },
                      },
                    },
                    { type: "null" },
                  ],
                },
              },
            },
          },
        },
        FlushReport: {
          type: "object",
          properties: {
            users: { type: "integer" },
            ok: { type: "integer" },
            failed: { type: "integer" },
            batches: { type: "integer" },
            error: {
              anyOf: [
                { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } },
                { type: "null" },
              ],
            },
          },
        },
        DeadLetterPage: {
          type: "object",
          properties: {
            items: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  id: { type: "integer" },
                  user: { type: "object" },
                  reason: { type: "string" },
                  code: { type: "string" },
                  at: { type: "string", format: "date-time" },
                  attempts: { type: "integer" },
                },
              },
            },
            next: { type: ["string", "null"] },
          },
        },
        ReplayReport: {
          type: "object",
          properties: {
            replayed: { type: "integer" },
            stillFailing: { type: "integer" },
            notFound: { type: "array", items: { type: "integer" } },
          },
        },
      },
    },
  };
}

// Built once per isolate: the document only changes with a deploy.
let cachedDocument: Record<string, unknown> | undefined;

/** `GET /v1/openapi.json`. */
export function registerOpenApi(routes: Hono<HonoEnv>): void {
  routes.get("/openapi.json", (c) => {
    cachedDocument ??= openApiDocument();
    return c.json(cachedDocument);
  });
}
