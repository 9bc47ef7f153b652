import { app } from "./app.ts";

export { AuthorizationSession } from "./durable/authorization-session.ts";
export { JobQueue } from "./durable/job-queue.ts";

export default app;
