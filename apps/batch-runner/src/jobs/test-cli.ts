import { type CliIo, main } from "../cli.ts";
import type { RuntimeOptions } from "./runtime.ts";

/** Runs the CLI in-process with captured output, as tests need it. */
export async function runCliCaptured(
  argv: string[],
  options: {
    env?: CliIo["env"];
    shutdownRequested?: Promise<string>;
    overrides?: Partial<RuntimeOptions>;
  } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: options.env ?? {},
    ...(options.shutdownRequested === undefined ? {} : { shutdownRequested: options.shutdownRequested }),
  };
  const code = await main(argv, io, options.overrides);
  return { code, stdout, stderr };
}
