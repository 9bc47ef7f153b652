import type { InteractObject } from "@responsys-bridge/core";
import type { ResponsysClient } from "@responsys-bridge/responsys-client";
import { apiError } from "../http/errors.ts";
import { responsysFailure } from "../responsys/http-errors.ts";

/**
 * Checks that Responsys has the profile list a job names, so a typo is a 400 now rather than a
 * failing job later. 400 INVALID_JOB naming `list.objectName` when it does not.
 */
export async function checkListExists(client: ResponsysClient, list: InteractObject): Promise<void> {
  let lists: Awaited<ReturnType<ResponsysClient["lists"]["list"]>>;
  try {
    lists = await client.lists.list();
  } catch (error) {
    throw responsysFailure(error);
  }
  // Responsys object names are not case-sensitive.
  const wanted = list.objectName.toLowerCase();
  if (!lists.some((candidate) => candidate.name.toLowerCase() === wanted)) {
    throw apiError(
      "INVALID_JOB",
      `list.objectName: Responsys has no profile list named ${list.objectName}`,
      400,
      {
        details: { field: "list.objectName" },
      },
    );
  }
}
