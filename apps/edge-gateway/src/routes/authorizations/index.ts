import { Hono } from "hono";
import type { HonoEnv } from "../../http/context.ts";
import { registerListCampaigns } from "./campaigns.ts";
import { registerCreateAuthorization } from "./create.ts";
import { registerDeleteAuthorization } from "./delete.ts";
import { registerListExtensions } from "./extensions.ts";
import { registerGetAuthorization } from "./get.ts";
import { registerListAuthorizations } from "./list.ts";
import { registerListLists } from "./lists.ts";

/** `/v1/authorizations…`, behind the admin token. */
export const authorizationsRoutes = new Hono<HonoEnv>();
registerCreateAuthorization(authorizationsRoutes);
registerListAuthorizations(authorizationsRoutes);
registerGetAuthorization(authorizationsRoutes);
registerDeleteAuthorization(authorizationsRoutes);
registerListLists(authorizationsRoutes);
registerListExtensions(authorizationsRoutes);
registerListCampaigns(authorizationsRoutes);
