// The Worker the gateway benchmarks run (inside workerd, through the vitest plugin): the real
// gateway, plus the baseline SPEC §8 names — a trivial Worker path that writes one row to a
// Durable Object per request.
import { DurableObject } from "cloudflare:workers";
import { app } from "../src/app.ts";

export { AuthorizationSession } from "../src/durable/authorization-session.ts";
export { JobQueue } from "../src/durable/job-queue.ts";

/** Baseline: one SQLite row per request, nothing else. */
export class BaselineRecorder extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  }

  write(body: string): void {
    this.ctx.storage.sql.exec("INSERT INTO rows (body) VALUES (?)", body);
  }
}

interface BenchEnv extends Env {
  BASELINE: DurableObjectNamespace<BaselineRecorder>;
}

export default {
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    if (new URL(request.url).pathname === "/baseline") {
      await env.BASELINE.get(env.BASELINE.idFromName("baseline")).write(await request.text());
      return new Response(null, { status: 202 });
    }
    return app.fetch(request, env, ctx);
  },
};
