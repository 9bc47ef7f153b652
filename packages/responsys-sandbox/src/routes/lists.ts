import { fieldNameProblem } from "@responsys-bridge/core";
import { Hono } from "hono";
import { z } from "zod";
import { extensionNotFound, invalidParameter, listNotFound, ResponsysError } from "../envelope.ts";
import { extensionMergeSchema, mergeIntoExtension, resolveExtensionRule } from "../extension-merge.ts";
import {
  checkRecordShape,
  echoMergeRule,
  mergeIntoList,
  mergeRuleSchema,
  resolveMergeRule,
} from "../list-merge.ts";
import { parseJsonBody } from "../parse.ts";
import { checkMapTemplate, recordDataSchema } from "../records.ts";
import { jsonResponse, type SandboxEnv, type SandboxRuntime } from "../runtime.ts";
import { extensionFieldTypeSchema } from "../seed.ts";
import { ProfileExtension, type ProfileList } from "../store.ts";

const listMergeSchema = z.object({ recordData: recordDataSchema, mergeRule: mergeRuleSchema });

const createExtensionSchema = z.object({
  profileExtension: z.object({ objectName: z.string().min(1), folderName: z.string().min(1) }),
  fields: z.array(z.object({ fieldName: z.string(), fieldType: z.string() })).min(1),
});

const V13 = "/rest/api/v1.3";

/** Profile lists, their fields and members, and their PETs (reference §2, §3). */
export function listRoutes(runtime: SandboxRuntime): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();
  const findList = (name: string): ProfileList => {
    const list = runtime.store.list(name);
    if (!list) throw listNotFound(name);
    return list;
  };

  // A bare array, as Oracle's sample shows (Swagger's `{items}` wrapper is not what the service sends).
  app.get("/lists", () =>
    jsonResponse(
      [...runtime.store.lists.values()].map((list) => ({
        name: list.name,
        folderName: list.folderName,
        fields: list.fields,
      })),
    ),
  );

  app.get("/lists/:list/fields", (c) => {
    const list = findList(c.req.param("list"));
    return jsonResponse({ name: list.name, folderName: list.folderName, fields: list.fields });
  });

  app.post("/lists/:list/members", (c) => {
    const action = c.req.query("action");
    if (action !== undefined) {
      throw invalidParameter(`action=${action} is not emulated by the sandbox; only merges are`);
    }
    const list = findList(c.req.param("list"));
    const body = parseJsonBody(c, listMergeSchema);
    const { fieldNames, records, mapTemplateName } = body.recordData;
    checkRecordShape(list, fieldNames, records.length);
    checkMapTemplate(mapTemplateName);
    const rule = resolveMergeRule(body.mergeRule, fieldNames);
    const outcomes = mergeIntoList(runtime.store, list, fieldNames, records, rule, runtime.now());
    return jsonResponse({
      recordData: {
        fieldNames: ["RIID_"],
        records: outcomes.map((outcome) => [outcome.ok ? String(outcome.riid) : outcome.message]),
        mapTemplateName: null,
      },
      mergeRule: echoMergeRule(rule),
      links: [
        { rel: "self", href: `${V13}/lists/${list.name}/members`, method: "POST" },
        {
          rel: "retrieveListRecipientsRIID",
          href: `${V13}/lists/${list.name}/members/{riid}`,
          method: "GET",
        },
      ],
    });
  });

  // A bare array of {profileExtension, fields} (reference §3).
  app.get("/lists/:list/listExtensions", (c) => {
    const list = findList(c.req.param("list"));
    return jsonResponse(
      [...list.extensions.values()].map((extension) => ({
        profileExtension: { objectName: extension.objectName, folderName: extension.folderName },
        fields: extension.listedFields(),
      })),
    );
  });

  app.post("/lists/:list/listExtensions", (c) => {
    const list = findList(c.req.param("list"));
    const body = parseJsonBody(c, createExtensionSchema);
    const { objectName, folderName } = body.profileExtension;
    if (list.extension(objectName)) {
      throw new ResponsysError(
        400,
        "PROFILE_EXTENSION_ALREADY_EXISTS",
        "Profile extension already exists",
        `Profile Extension ${objectName} already exists`,
      );
    }
    const fields = body.fields.map(({ fieldName, fieldType }) => {
      const problem = fieldNameProblem(fieldName);
      if (problem) throw invalidParameter(`Field name ${fieldName} ${problem}`);
      const type = extensionFieldTypeSchema.safeParse(fieldType);
      if (!type.success) {
        throw invalidParameter(
          `Field ${fieldName} has type ${fieldType}; a PET field is one of ${extensionFieldTypeSchema.options.join(", ")}`,
        );
      }
      return { fieldName, fieldType: type.data };
    });
    const duplicated = fields.filter(
      (field, index) =>
        fields.findIndex((other) => other.fieldName.toLowerCase() === field.fieldName.toLowerCase()) !==
        index,
    );
    if (duplicated.length > 0) {
      throw invalidParameter(
        `Duplicate field name(s): ${duplicated.map((field) => field.fieldName).join(", ")}`,
      );
    }
    const extension = new ProfileExtension(objectName, folderName, fields);
    list.addExtension(extension);
    return jsonResponse({
      profileExtension: { objectName, folderName },
      fields: extension.listedFields(),
      links: [{ rel: "self", href: `${V13}/lists/${list.name}/listExtensions`, method: "POST" }],
    });
  });

  app.post("/lists/:list/listExtensions/:pet/members", (c) => {
    const list = findList(c.req.param("list"));
    const extension = list.extension(c.req.param("pet"));
    if (!extension) throw extensionNotFound(c.req.param("pet"));
    const body = parseJsonBody(c, extensionMergeSchema);
    const rule = resolveExtensionRule(body, extension);
    const { fieldNames, records } = body.recordData;
    const outcomes = mergeIntoExtension(list, extension, fieldNames, records, rule, runtime.now());
    return jsonResponse({
      recordData: {
        fieldNames: ["RIID_"],
        records: outcomes.map((outcome) => [outcome.ok ? String(outcome.riid) : outcome.message]),
        mapTemplateName: null,
      },
      insertOnNoMatch: rule.insertOnNoMatch,
      updateOnMatch: rule.updateOnMatch,
      matchColumnName1: rule.matchColumnNames[0] ?? null,
      matchColumnName2: rule.matchColumnNames[1] ?? null,
      links: [
        {
          rel: "self",
          href: `${V13}/lists/${list.name}/listExtensions/${extension.objectName}/members`,
          method: "POST",
        },
      ],
    });
  });

  return app;
}
