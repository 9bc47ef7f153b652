import type { ResponsysClient, TriggerRecipient, TriggerResult } from "@responsys-bridge/responsys-client";
import type { GatewayConfig } from "../env.ts";
import { responsysClientFor } from "../responsys/client.ts";
import type { CampaignJob } from "./campaign-job.ts";

/**
 * The one Responsys operation a campaign flush needs. Failures are thrown as ResponsysError
 * (AMBIGUOUS_DELIVERY when the outcome is unknown); per-recipient outcomes are values.
 */
export interface CampaignResponsys {
  triggerEmail(campaign: string, recipients: readonly TriggerRecipient[]): Promise<TriggerResult[]>;
}

/** The trigger operation on a ResponsysClient (which escapes non-ASCII as \uXXXX on the wire). */
export function clientCampaignPort(client: ResponsysClient): CampaignResponsys {
  return { triggerEmail: (campaign, recipients) => client.campaigns.triggerEmail(campaign, recipients) };
}

/**
 * The Responsys client of a campaign job: token and pacing shared through its authorization's
 * session object. It never repeats a failed trigger itself (`maxRetries: 0`): throttling and
 * outages wait on the job's own backoff in the alarm, instead of sleeping inside one invocation.
 */
export function campaignPort(env: Env, job: CampaignJob, config: GatewayConfig): CampaignResponsys {
  return clientCampaignPort(responsysClientFor(env, job.authorizationId, config, { maxRetries: 0 }));
}

/** Wraps a port so every call made through it, failed or not, is counted. */
export function countingCampaignPort(port: CampaignResponsys): {
  port: CampaignResponsys;
  calls: () => number;
} {
  let calls = 0;
  return {
    port: {
      triggerEmail: (campaign, recipients) => {
        calls += 1;
        return port.triggerEmail(campaign, recipients);
      },
    },
    calls: () => calls,
  };
}
