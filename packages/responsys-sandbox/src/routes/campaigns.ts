import { isEmailShaped } from "@responsys-bridge/core";
import { Hono } from "hono";
import { z } from "zod";
import { campaignNotFound, invalidParameter, invalidRequestContent } from "../envelope.ts";
import { checkRecordShape, mergeIntoList, mergeRuleSchema, resolveMergeRule } from "../list-merge.ts";
import { parseJsonBody } from "../parse.ts";
import { jsonResponse, type SandboxEnv, type SandboxRuntime } from "../runtime.ts";
import type { Campaign } from "../store.ts";
import {
  checkRecipientCount,
  hasLiteralNonAscii,
  mergeTriggerSchema,
  sendTo,
  triggerRecipients,
  triggerSchema,
} from "../trigger.ts";

const CAMPAIGN_TYPES = ["email", "push", "sms", "mms", "pushiocampaign"];
const MAX_PAGE = 200;
const V13 = "/rest/api/v1.3";

const pageSchema = z.object({
  type: z.string().optional(),
  offset: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().positive().max(MAX_PAGE).default(MAX_PAGE),
});

/** Campaign picker and email triggers (reference §3 campaign picker, §4). */
export function campaignRoutes(runtime: SandboxRuntime): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();
  const findCampaign = (name: string): Campaign => {
    const campaign = runtime.store.campaign(name);
    if (!campaign) throw campaignNotFound(name);
    return campaign;
  };

  // Oracle documents "an array of up to 200 EMD Email campaign objects" plus a top-level `links`
  // array, and the push variant's key is `campaigns`: the sandbox answers `{ campaigns, links }`.
  app.get("/campaigns", (c) => {
    const parsed = pageSchema.safeParse(c.req.query());
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw invalidParameter(
        `${issue?.path.join(".") ?? "query"}: ${issue?.message ?? "invalid"} (limit is 1 to ${MAX_PAGE})`,
      );
    }
    const { type, offset, limit } = parsed.data;
    if (!type || !CAMPAIGN_TYPES.includes(type.toLowerCase())) {
      throw invalidParameter(`type must be one of ${CAMPAIGN_TYPES.join(", ")}`);
    }
    const all = [...runtime.store.campaigns.values()]
      .filter((campaign) => campaign.type === type.toUpperCase())
      .sort((a, b) => a.id - b.id);
    const page = all.slice(offset, offset + limit);
    const href = (at: number) => `${V13}/campaigns?type=${type.toLowerCase()}&offset=${at}&limit=${limit}`;
    const links = [{ rel: "self", href: href(offset), method: "GET" }];
    if (offset + limit < all.length) links.push({ rel: "next", href: href(offset + limit), method: "GET" });
    if (offset > 0) links.push({ rel: "prev", href: href(Math.max(0, offset - limit)), method: "GET" });
    return jsonResponse({
      campaigns: page.map((campaign) => ({
        id: campaign.id,
        name: campaign.name,
        folderName: campaign.folderName,
        type: campaign.type,
        listName: campaign.listName,
        campaignStatus: campaign.campaignStatus,
        purpose: campaign.purpose,
      })),
      links,
    });
  });

  // One URL, two operations told apart by the body (reference §4).
  app.post("/campaigns/:campaign/email", (c) => {
    const campaign = findCampaign(c.req.param("campaign"));
    if (!c.var.badJson && hasLiteralNonAscii(c.var.rawBody)) {
      throw invalidRequestContent("Non-ASCII characters must be escaped as \\uXXXX");
    }
    const now = runtime.now();
    if (c.var.api === "Merge Trigger Email") {
      const body = parseJsonBody(c, mergeTriggerSchema.extend({ mergeRule: mergeRuleSchema }));
      const { fieldNames, mergeTriggerRecords } = body.mergeTriggerRecordData;
      checkRecipientCount(mergeTriggerRecords.length);
      const list = runtime.store.list(campaign.listName);
      if (!list) throw campaignNotFound(campaign.name);
      checkRecordShape(list, fieldNames, mergeTriggerRecords.length);
      const rule = resolveMergeRule(body.mergeRule, fieldNames);
      // Observed: a bad email in a merge-trigger fails the whole call with 400 (reference §4.3).
      const emailAt = fieldNames.indexOf("EMAIL_ADDRESS_");
      const badEmails = mergeTriggerRecords
        .map((record, index) => ({ index, email: emailAt >= 0 ? record.fieldValues[emailAt] : null }))
        .filter(({ email }) => email && !isEmailShaped(email));
      if (badEmails.length > 0) {
        throw invalidParameter(
          badEmails.map(({ index }) => `Record ${index} = Bad Email Format\r\n`).join(""),
        );
      }
      const outcomes = mergeIntoList(
        runtime.store,
        list,
        fieldNames,
        mergeTriggerRecords.map((record) => record.fieldValues),
        rule,
        now,
      );
      return jsonResponse(
        outcomes.map((outcome, index) =>
          outcome.ok
            ? sendTo(
                runtime.store,
                campaign,
                list,
                outcome.riid,
                mergeTriggerRecords[index]?.optionalData ?? [],
                now,
              )
            : { recipientId: -1, success: false, errorMessage: outcome.message },
        ),
      );
    }
    const body = parseJsonBody(c, triggerSchema);
    checkRecipientCount(body.recipientData.length);
    return jsonResponse(triggerRecipients(runtime.store, campaign, body, now));
  });

  return app;
}
