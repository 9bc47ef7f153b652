import { z } from "zod";
import { AUDIENCE_SLUG } from "./provision.ts";

const rowsSchema = z.array(z.record(z.string(), z.unknown()));

/** The parts of the sandbox state (`GET /__sandbox/state`, `state.snapshot()`) the summary reads. */
export const sandboxStateSchema = z.object({
  lists: z.array(
    z.object({
      name: z.string(),
      members: rowsSchema,
      extensions: z.array(z.object({ objectName: z.string(), members: rowsSchema })),
    }),
  ),
  sent: z.array(z.unknown()),
});
export type SandboxStateView = z.infer<typeof sandboxStateSchema>;

/** Where the demo's data ended up in the Responsys sandbox. */
export interface SandboxSummary {
  listMembers: number;
  segmentRows: number;
  /** Lytics_Segments rows that still mark the VIP audience with 1. */
  segmentMembers: number;
  triggeredEmails: number;
}

/** Counts CONTACTS_LIST members, Lytics_Segments rows and triggered emails in a sandbox snapshot. */
export function summariseSandbox(snapshot: SandboxStateView): SandboxSummary {
  const list = snapshot.lists.find((candidate) => candidate.name === "CONTACTS_LIST");
  const segments = list?.extensions.find((extension) => extension.objectName === "Lytics_Segments");
  const segmentRows = segments?.members ?? [];
  return {
    listMembers: list?.members.length ?? 0,
    segmentRows: segmentRows.length,
    segmentMembers: segmentRows.filter((row) =>
      Object.entries(row).some(([column, value]) => column.toLowerCase() === AUDIENCE_SLUG && value === "1"),
    ).length,
    triggeredEmails: snapshot.sent.length,
  };
}
