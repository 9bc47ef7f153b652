import {
  applyEvents,
  eventProfile,
  identityOf,
  type JsonValue,
  type Mapping,
  mergeProfiles,
  type Profile,
} from "@responsys-bridge/mapping";

export type { Profile };

/**
 * What the store sink needs from a mapping: who an event belongs to, what it contributes, and how
 * contributions merge. All pure, so a retried transaction starts again from clean data.
 */
export interface ProfileMapper {
  /** The mapping itself (fold workers parse its text again: see mappingText). */
  readonly mapping: Mapping;
  /** The identity fields (`BY a OR b`) in order of preference, used to find a profile by an id. */
  readonly identityFields: readonly string[];
  /** The event fields the mapping reads: an event cut down to them folds the same. */
  readonly reads: readonly string[];
  /** The profile key of the event, `<field>:<value>` of its first identity; undefined if it has none. */
  identify(event: Readonly<Record<string, unknown>>): string | undefined;
  /** The same key read from the event's share (saves evaluating the identity expressions twice). */
  identifyShare(share: Profile): string | undefined;
  /** The event's share of a profile (throws on an event the mapping cannot read). */
  share(event: Readonly<Record<string, unknown>>): Profile;
  merge(profile: Profile, share: Profile): Profile;
  /** The profile after these events (one user's, in any order); many events at once are far cheaper than share+merge each. */
  fold(profile: Profile, events: ReadonlyArray<Readonly<Record<string, unknown>>>): Profile;
}

/** A ProfileMapper over a parsed mapping from @responsys-bridge/mapping. */
export function createProfileMapper(mapping: Mapping): ProfileMapper {
  return {
    mapping,
    identityFields: mapping.by,
    reads: mapping.reads,
    identify(event) {
      const identity = identityOf(event, mapping);
      return identity === undefined ? undefined : profileKey(identity.field, identity.value);
    },
    // An identity field is in the share exactly when identityOf() would return it: the share holds
    // every field whose condition holds and whose value is defined (a test checks they agree).
    identifyShare(share) {
      for (const field of mapping.by) {
        const value = share[field];
        if (typeof value === "string" && value !== "") return profileKey(field, value);
        if (typeof value === "number" || typeof value === "boolean") return profileKey(field, String(value));
      }
      return undefined;
    },
    share: (event) => eventProfile(event, mapping),
    merge: (profile, share) => mergeProfiles(profile, share, mapping),
    fold: (profile, events) => applyEvents(profile, events, mapping),
  };
}

export function profileKey(field: string, value: string): string {
  return `${field}:${value}`;
}

/**
 * Profiles come back from our own jsonb column, which only ever receives Profile objects; the
 * driver types them as unknown. Anything that is not a JSON object is treated as a new profile.
 */
export function storedProfile(value: unknown): Profile {
  const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  return parsed as { [field: string]: JsonValue };
}
