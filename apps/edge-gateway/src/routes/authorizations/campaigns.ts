import type { Hono } from "hono";
import { z } from "zod";
import { database } from "../../db/database.ts";
import type { HonoEnv } from "../../http/context.ts";
import { apiError } from "../../http/errors.ts";
import { responsysClientFor } from "../../responsys/client.ts";
import { ADMIN_CALL_OPTIONS } from "../../responsys/http-errors.ts";
import { callResponsys } from "./call-responsys.ts";
import { requireAuthorization } from "./lookup.ts";

export const campaignPageQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(200),
});

/** `GET /v1/authorizations/:id/campaigns?offset=&limit=`: one page of email campaigns, live. */
export function registerListCampaigns(routes: Hono<HonoEnv>): void {
  routes.get("/:id/campaigns", async (c) => {
    const query = campaignPageQuerySchema.safeParse({
      offset: c.req.query("offset"),
      limit: c.req.query("limit"),
    });
    if (!query.success) {
      const issue = query.error.issues[0];
      throw apiError(
        "INVALID_REQUEST",
        `${issue?.path.join(".") ?? "query"}: ${issue?.message ?? "invalid"}`,
        400,
      );
    }
    const row = await requireAuthorization(database(c.env.DB), c.req.param("id"));
    const client = responsysClientFor(c.env, row.id, c.get("config"), ADMIN_CALL_OPTIONS);
    const page = await callResponsys(() => client.campaigns.list(query.data));
    return c.json({
      items: page.campaigns.map((campaign) => ({
        id: campaign.id ?? null,
        name: campaign.name,
        folderName: campaign.folderName ?? null,
        list:
          campaign.list === undefined
            ? null
            : { objectName: campaign.list.objectName, folderName: campaign.list.folderName ?? null },
        type: campaign.type ?? null,
        status: campaign.status ?? null,
        purpose: campaign.purpose ?? null,
      })),
      offset: page.offset,
      limit: page.limit,
      nextOffset: page.nextOffset ?? null,
    });
  });
}
