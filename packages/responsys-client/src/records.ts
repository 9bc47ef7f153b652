import { BridgeError } from "@responsys-bridge/core";

/** Most records (or recipients) one merge or trigger call may carry (Oracle: "Up to 200"). */
export const MAX_RECORDS_PER_CALL = 200;

/** A value of one record cell; Responsys takes strings only, so the client converts. */
export type RecordValue = string | number | boolean | null | undefined;

/** Splits `items` into consecutive chunks of at most `size` (default 200, the per-call maximum). */
export function chunk<T>(items: readonly T[], size: number = MAX_RECORDS_PER_CALL): T[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new BridgeError({
      code: "INVALID_CHUNK_SIZE",
      message: `Chunk size must be a positive integer, got ${size}.`,
    });
  }
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Refuses a call with more than 200 records before anything is sent. */
export function assertRecordCount(count: number, what: string): void {
  if (count > MAX_RECORDS_PER_CALL) {
    throw new BridgeError({
      code: "TOO_MANY_RECORDS",
      message: `A Responsys call takes at most ${MAX_RECORDS_PER_CALL} ${what}, got ${count}; split them with chunk().`,
      details: { count, max: MAX_RECORDS_PER_CALL },
    });
  }
}

/** The string Responsys receives for a cell: null and undefined become "" (an empty field). */
export function toWireValue(value: RecordValue): string {
  if (value === null || value === undefined) return "";
  return String(value);
}

/** Checks every record has one value per field name and converts the values to strings. */
export function toWireRecords(
  fieldNames: readonly string[],
  records: readonly (readonly RecordValue[])[],
): string[][] {
  if (fieldNames.length === 0) {
    throw new BridgeError({ code: "INVALID_RECORDS", message: "fieldNames must name at least one field." });
  }
  const duplicate = fieldNames.find((name, index) => fieldNames.indexOf(name) !== index);
  if (duplicate !== undefined) {
    throw new BridgeError({ code: "INVALID_RECORDS", message: `fieldNames lists ${duplicate} twice.` });
  }
  return records.map((record, index) => {
    if (record.length !== fieldNames.length) {
      throw new BridgeError({
        code: "INVALID_RECORDS",
        message: `Record ${index} has ${record.length} values for ${fieldNames.length} field names.`,
        details: { index },
      });
    }
    return record.map(toWireValue);
  });
}
