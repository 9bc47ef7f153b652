import { hashEmail, normalizeEmail } from "@responsys-bridge/core";
import type { CampaignSeed, Field, FieldType, Member, SandboxSeed } from "./seed.ts";

/** The list columns a record can be found by (reference §2 match columns). */
export const MATCH_COLUMNS = [
  "RIID_",
  "CUSTOMER_ID_",
  "EMAIL_ADDRESS_",
  "MOBILE_NUMBER_",
  "EMAIL_MD5_HASH_",
  "EMAIL_SHA256_HASH_",
] as const;
export type MatchColumn = (typeof MATCH_COLUMNS)[number];

export function isMatchColumn(name: string): name is MatchColumn {
  return (MATCH_COLUMNS as readonly string[]).includes(name);
}

/** Emails and hashes match case-insensitively; other identifiers match exactly. */
export function matchKey(column: MatchColumn, value: string): string {
  if (column === "EMAIL_ADDRESS_") return normalizeEmail(value);
  if (column === "EMAIL_MD5_HASH_" || column === "EMAIL_SHA256_HASH_") return value.trim().toLowerCase();
  return value.trim();
}

/** A profile extension table: one optional row per parent list record, keyed by its RIID. */
export class ProfileExtension {
  readonly objectName: string;
  readonly folderName: string;
  readonly fields: Field[];
  readonly rows = new Map<number, Member>();

  constructor(objectName: string, folderName: string, fields: Field[]) {
    this.objectName = objectName;
    this.folderName = folderName;
    this.fields = fields;
  }

  fieldType(name: string): FieldType | undefined {
    return this.fields.find((field) => field.fieldName === name)?.fieldType;
  }

  /** The fields as Responsys lists them: the system columns of a PET, then the custom ones. */
  listedFields(): Field[] {
    return [
      { fieldName: "RIID_", fieldType: "INTEGER" },
      { fieldName: "CREATED_DATE_", fieldType: "TIMESTAMP" },
      { fieldName: "MODIFIED_DATE_", fieldType: "TIMESTAMP" },
      ...this.fields,
    ];
  }
}

/** A profile list with its members, indexed by every match column. */
export class ProfileList {
  readonly name: string;
  readonly folderName: string;
  readonly fields: Field[];
  readonly members = new Map<number, Member>();
  readonly extensions = new Map<string, ProfileExtension>();
  readonly #index = new Map<MatchColumn, Map<string, Set<number>>>();

  constructor(name: string, folderName: string, fields: Field[]) {
    this.name = name;
    this.folderName = folderName;
    this.fields = fields;
    for (const column of MATCH_COLUMNS) this.#index.set(column, new Map());
  }

  hasField(name: string): boolean {
    return this.fields.some((field) => field.fieldName === name);
  }

  fieldType(name: string): FieldType | undefined {
    return this.fields.find((field) => field.fieldName === name)?.fieldType;
  }

  extension(name: string): ProfileExtension | undefined {
    return this.extensions.get(name.toLowerCase());
  }

  addExtension(extension: ProfileExtension): void {
    this.extensions.set(extension.objectName.toLowerCase(), extension);
  }

  /** RIIDs of the members whose `column` holds `value` (lowest first). */
  find(column: MatchColumn, value: string): number[] {
    const riids = this.#index.get(column)?.get(matchKey(column, value));
    return riids ? [...riids].sort((a, b) => a - b) : [];
  }

  /** Stores `member` under `riid`, replacing what was there, and keeps the indexes true. */
  put(riid: number, member: Member): void {
    const previous = this.members.get(riid);
    if (previous) this.#unindex(riid, previous);
    const stored: Member = { ...member, RIID_: String(riid) };
    this.members.set(riid, stored);
    for (const column of MATCH_COLUMNS) {
      const value = stored[column];
      if (value === undefined || value === null || value === "") continue;
      const key = matchKey(column, value);
      const byValue = this.#index.get(column);
      if (!byValue) continue;
      const riids = byValue.get(key) ?? new Set<number>();
      riids.add(riid);
      byValue.set(key, riids);
    }
  }

  #unindex(riid: number, member: Member): void {
    for (const column of MATCH_COLUMNS) {
      const value = member[column];
      if (value === undefined || value === null || value === "") continue;
      const riids = this.#index.get(column)?.get(matchKey(column, value));
      riids?.delete(riid);
      if (riids?.size === 0) this.#index.get(column)?.delete(matchKey(column, value));
    }
  }
}

/** A triggered email the sandbox accepted for sending. */
export interface SentEmail {
  campaign: string;
  riid: number;
  emailAddress: string | null;
  optionalData: { name: string; value: string }[];
  time: number;
}

export type Campaign = CampaignSeed & { id: number };

/** The account's data: lists (with PETs and members), campaigns and the emails triggered. */
export class SandboxStore {
  readonly lists = new Map<string, ProfileList>();
  readonly campaigns = new Map<string, Campaign>();
  sent: SentEmail[] = [];
  users: { userName: string; password: string }[] = [];
  #nextRiid = 470515001;

  constructor(seed: SandboxSeed, now: number) {
    this.load(seed, now);
  }

  /** Replaces everything with the seed's content. */
  load(seed: SandboxSeed, now: number): void {
    this.lists.clear();
    this.campaigns.clear();
    this.sent = [];
    this.users = seed.users.map((user) => ({ ...user }));
    this.#nextRiid = 470515001;
    for (const listSeed of seed.lists) {
      for (const member of listSeed.members) {
        const riid = Number(member.RIID_);
        if (Number.isSafeInteger(riid) && riid >= this.#nextRiid) this.#nextRiid = riid + 1;
      }
    }
    for (const listSeed of seed.lists) {
      const list = new ProfileList(listSeed.name, listSeed.folderName, structuredClone(listSeed.fields));
      this.lists.set(list.name.toLowerCase(), list);
      for (const member of listSeed.members) {
        const given = Number(member.RIID_);
        const riid = member.RIID_ && Number.isSafeInteger(given) ? given : this.allocateRiid();
        list.put(riid, withDerivedColumns(list, { ...member }, now, true));
      }
      for (const extensionSeed of listSeed.extensions) {
        const extension = new ProfileExtension(
          extensionSeed.objectName,
          extensionSeed.folderName,
          structuredClone(extensionSeed.fields),
        );
        list.addExtension(extension);
        for (const row of extensionSeed.members) {
          const riid = Number(row.RIID_);
          if (Number.isSafeInteger(riid)) extension.rows.set(riid, { ...row, RIID_: String(riid) });
        }
      }
    }
    let nextCampaignId = 101;
    for (const campaign of seed.campaigns) {
      const id = campaign.id ?? nextCampaignId;
      nextCampaignId = Math.max(nextCampaignId, id + 1);
      this.campaigns.set(campaign.name.toLowerCase(), { ...campaign, id });
    }
  }

  allocateRiid(): number {
    return this.#nextRiid++;
  }

  list(name: string): ProfileList | undefined {
    return this.lists.get(name.toLowerCase());
  }

  campaign(name: string): Campaign | undefined {
    return this.campaigns.get(name.toLowerCase());
  }

  /** A plain-JSON copy of everything, for inspection. */
  snapshot(): StateSnapshot {
    return {
      lists: [...this.lists.values()].map((list) => ({
        name: list.name,
        folderName: list.folderName,
        fields: structuredClone(list.fields),
        members: [...list.members.values()].map((member) => ({ ...member })),
        extensions: [...list.extensions.values()].map((extension) => ({
          objectName: extension.objectName,
          folderName: extension.folderName,
          fields: structuredClone(extension.fields),
          members: [...extension.rows.values()].map((row) => ({ ...row })),
        })),
      })),
      campaigns: [...this.campaigns.values()].map((campaign) => ({ ...campaign })),
      sent: structuredClone(this.sent),
    };
  }
}

export interface StateSnapshot {
  lists: {
    name: string;
    folderName: string;
    fields: Field[];
    members: Member[];
    extensions: { objectName: string; folderName: string; fields: Field[]; members: Member[] }[];
  }[];
  campaigns: Campaign[];
  sent: SentEmail[];
}

/**
 * Fills the columns Responsys maintains itself: email domain and hashes from the address, and the
 * created/modified timestamps, for those of them the list has.
 */
export function withDerivedColumns(list: ProfileList, member: Member, now: number, created: boolean): Member {
  const derived: Member = { ...member };
  const email = member.EMAIL_ADDRESS_;
  const set = (column: string, value: string | null) => {
    if (list.hasField(column)) derived[column] = value;
  };
  if (email) {
    const normalized = normalizeEmail(email);
    set("EMAIL_DOMAIN_", normalized.split("@")[1] ?? null);
    set("EMAIL_MD5_HASH_", hashEmail(normalized, "md5"));
    set("EMAIL_SHA256_HASH_", hashEmail(normalized, "sha256"));
  }
  const timestamp = new Date(now).toISOString();
  if (created && !member.CREATED_DATE_) set("CREATED_DATE_", timestamp);
  set("MODIFIED_DATE_", timestamp);
  return derived;
}
