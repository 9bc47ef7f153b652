import { z } from "zod";

/** The profile-list columns an ID mapping may target (SPEC §3.2). */
export const identifierColumnSchema = z.enum([
  "RIID_",
  "CUSTOMER_ID_",
  "EMAIL_ADDRESS_",
  "MOBILE_NUMBER_",
  "EMAIL_MD5_HASH_",
  "EMAIL_SHA256_HASH_",
]);
export type IdentifierColumn = z.infer<typeof identifierColumnSchema>;

export const HASH_COLUMNS: readonly IdentifierColumn[] = ["EMAIL_MD5_HASH_", "EMAIL_SHA256_HASH_"];

/** True for the hashed-email identifier columns, which Responsys can match on but not insert. */
export function isHashColumn(column: string): boolean {
  return (HASH_COLUMNS as readonly string[]).includes(column);
}

export const permissionStatusSchema = z.enum(["OPTIN", "OPTOUT"]);
export type PermissionStatus = z.infer<typeof permissionStatusSchema>;

/** A Responsys object reference: folder plus object name, as the list and PET APIs take them. */
export const interactObjectSchema = z.object({
  folderName: z.string().min(1).max(255),
  objectName: z.string().min(1).max(255),
});
export type InteractObject = z.infer<typeof interactObjectSchema>;
