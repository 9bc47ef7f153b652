import type { Mapping } from "./mapping.ts";
import { parseMapping } from "./mapping.ts";
import { RESPONSYS_EVENTS_LQL } from "./responsys-events-lql.ts";

/** The LQL text of the default responsys_events mapping (the content of responsys-events.lql). */
export const defaultResponsysMappingLql: string = RESPONSYS_EVENTS_LQL;

/** The default mapping of the responsys_events stream: the Lytics Responsys integration's field table. */
export const defaultResponsysMapping: Mapping = parseMapping(RESPONSYS_EVENTS_LQL);
