const prefixes = {
  authorization: "auth",
  job: "job",
  request: "req",
} as const;

/** A new random id with the typed prefix of its kind: `auth_…`, `job_…`, `req_…`. */
export function newId(kind: keyof typeof prefixes): string {
  return `${prefixes[kind]}_${crypto.randomUUID().replaceAll("-", "")}`;
}
