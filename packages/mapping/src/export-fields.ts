import { hashEmail as coreHashEmail, type EmailHashAlgorithm, toFieldName } from "@responsys-bridge/core";

/** The Responsys custom field (PET column) name for a profile field name: valid, at most 30 characters, stable. */
export function responsysFieldName(name: string): string {
  return toFieldName(name);
}

/** Hex MD5 or SHA-256 of the trimmed, lower-cased email, as Responsys' EMAIL_*_HASH_ match columns expect. */
export function hashEmail(email: string, algorithm: EmailHashAlgorithm): string {
  return coreHashEmail(email, algorithm);
}
