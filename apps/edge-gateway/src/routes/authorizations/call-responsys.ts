import { responsysFailure } from "../../responsys/http-errors.ts";

/** Runs a picker's Responsys call, turning its failure into the admin API's answer. */
export async function callResponsys<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw responsysFailure(error);
  }
}
