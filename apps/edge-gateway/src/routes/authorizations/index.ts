import { Hono } from "hono";
import type { HonoEnv } from "../../http/context.ts";
import { registerCreateAuthorization } from "./create.ts";
import { registerDeleteAuthorization } from "./delete.ts";
import { registerGetAuthorization } from "./get.ts";
import { registerListAuthorizations } from "./list.ts";
import { registerPickers } from "./pickers.ts";

/** `/v1/authorizations…`, behind the admin token. */
export const authorizationsRoutes = new Hono<HonoEnv>();
registerCreateAuthorization(authorizationsRoutes);
registerListAuthorizations(authorizationsRoutes);
registerGetAuthorization(authorizationsRoutes);
registerDeleteAuthorization(authorizationsRoutes);
registerPickers(authorizationsRoutes);
