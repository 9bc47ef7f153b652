import { type InteractObject, isBridgeError } from "@responsys-bridge/core";
import type { ResponsysClient } from "@responsys-bridge/responsys-client";
import { apiError } from "../http/errors.ts";
import { responsysFailure } from "../responsys/http-errors.ts";

// Campaigns may name their list without its folder; the list picker knows it.
async function folderOfList(client: ResponsysClient, listName: string): Promise<string | undefined> {
  const lists = await client.lists.list();
  return lists.find((list) => list.name === listName)?.folderName;
}

/**
 * The profile list a Responsys email campaign sends to, read by paging `GET /campaigns`.
 * 400 INVALID_JOB naming `campaign` when there is no such campaign or Responsys does not say.
 */
export async function campaignListOf(client: ResponsysClient, campaignName: string): Promise<InteractObject> {
  try {
    for await (const campaign of client.campaigns.all()) {
      if (campaign.name !== campaignName) continue;
      if (campaign.list === undefined) {
        throw apiError(
          "INVALID_JOB",
          `campaign: Responsys does not say which list ${campaignName} sends to`,
          400,
          {
            details: { field: "campaign" },
          },
        );
      }
      const folderName = campaign.list.folderName ?? (await folderOfList(client, campaign.list.objectName));
      if (folderName === undefined) {
        throw apiError(
          "INVALID_JOB",
          `campaign: the list of ${campaignName} is not among the account's lists`,
          400,
          {
            details: { field: "campaign" },
          },
        );
      }
      return { folderName, objectName: campaign.list.objectName };
    }
  } catch (error) {
    throw isBridgeError(error, "INVALID_JOB") ? error : responsysFailure(error);
  }
  throw apiError("INVALID_JOB", `campaign: Responsys has no email campaign named ${campaignName}`, 400, {
    details: { field: "campaign" },
  });
}
