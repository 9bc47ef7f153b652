import { z } from "zod";

/** An answer of the gateway that was not a success, with its error envelope when there was one. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "GatewayError";
  }
}

const envelopeSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

export const authorizationSchema = z.object({ id: z.string(), endpoint: z.string(), label: z.string() });
export type Authorization = z.infer<typeof authorizationSchema>;

export const createdJobSchema = z.object({ id: z.string(), type: z.string(), webhookSecret: z.string() });
export type CreatedJob = z.infer<typeof createdJobSchema>;

export const jobStatusSchema = z.looseObject({
  state: z.string(),
  queued: z.number(),
  totals: z.looseObject({ received: z.number(), sent: z.number(), rejected: z.number() }),
  lastError: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
  deadLetters: z.number(),
});
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const flushReportSchema = z.looseObject({ users: z.number(), ok: z.number(), failed: z.number() });
export type FlushReport = z.infer<typeof flushReportSchema>;

export const hookAnswerSchema = z.object({
  accepted: z.number(),
  duplicates: z.number(),
  ignored: z.number(),
});
export type HookAnswer = z.infer<typeof hookAnswerSchema>;

/** The admin API and webhook endpoint of one gateway, as SPEC §3.2–3.3 describe them. */
export class GatewayAdmin {
  constructor(
    readonly url: string,
    readonly adminToken: string,
  ) {}

  createAuthorization(body: Record<string, unknown>): Promise<Authorization> {
    return this.#call("POST", "/v1/authorizations", authorizationSchema, body);
  }

  /** The authorization, or undefined when the gateway has no such id. */
  findAuthorization(id: string): Promise<Authorization | undefined> {
    return this.#maybe(this.#call("GET", `/v1/authorizations/${id}`, authorizationSchema));
  }

  createJob(body: Record<string, unknown>): Promise<CreatedJob> {
    return this.#call("POST", "/v1/jobs", createdJobSchema, body);
  }

  /** Whether the gateway has this job (its D1 state may have been wiped since it was made). */
  async hasJob(id: string): Promise<boolean> {
    const found = await this.#maybe(this.#call("GET", `/v1/jobs/${id}`, z.object({ id: z.string() })));
    return found !== undefined;
  }

  deleteJob(id: string): Promise<unknown> {
    return this.#call("DELETE", `/v1/jobs/${id}?discard=true`, z.unknown());
  }

  deleteAuthorization(id: string): Promise<unknown> {
    return this.#call("DELETE", `/v1/authorizations/${id}`, z.unknown());
  }

  status(jobId: string): Promise<JobStatus> {
    return this.#call("GET", `/v1/jobs/${jobId}/status`, jobStatusSchema);
  }

  flush(jobId: string): Promise<FlushReport> {
    return this.#call("POST", `/v1/jobs/${jobId}/flush`, flushReportSchema);
  }

  webhookUrl(jobId: string): string {
    return `${this.url}/v1/hooks/${jobId}`;
  }

  /** Posts a webhook body as Lytics would, authenticated by the job's secret. */
  async postWebhook(jobId: string, webhookSecret: string, body: unknown): Promise<HookAnswer> {
    return this.#send("POST", this.webhookUrl(jobId), hookAnswerSchema, body, `Bearer ${webhookSecret}`);
  }

  #call<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    return this.#send(method, `${this.url}${path}`, schema, body, `Bearer ${this.adminToken}`);
  }

  async #send<T>(
    method: string,
    url: string,
    schema: z.ZodType<T>,
    body: unknown,
    authorization: string,
  ): Promise<T> {
    const response = await fetch(url, {
      method,
      headers: {
        Authorization: authorization,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(120_000),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === "" ? null : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const envelope = envelopeSchema.safeParse(json);
      const code = envelope.success ? envelope.data.error.code : `HTTP_${response.status}`;
      const message = envelope.success ? envelope.data.error.message : text.slice(0, 300);
      throw new GatewayError(
        response.status,
        code,
        `${method} ${new URL(url).pathname}: ${code}: ${message}`,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new GatewayError(response.status, "UNEXPECTED_ANSWER", `${method} ${url}: ${text.slice(0, 300)}`);
    }
    return parsed.data;
  }

  async #maybe<T>(request: Promise<T>): Promise<T | undefined> {
    try {
      return await request;
    } catch (error) {
      if (error instanceof GatewayError && error.status === 404) return undefined;
      throw error;
    }
  }
}
