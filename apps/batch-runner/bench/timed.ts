import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";

export interface Timed {
  wallSeconds: number;
  /** Peak resident set of the process (and the largest of its children), from GNU time. */
  maxRssBytes: number;
  /** CPU time of the process (and its waited-for children), from GNU time. */
  cpu: { userSeconds: number; systemSeconds: number };
  stdout: string;
  stderr: string;
}

/** Runs a command under GNU time and returns wall time, peak RSS and its output; fails on a non-zero exit. */
export function timed(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("/usr/bin/time", ["-f", "GNUTIME %e %M %U %S", command, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      const wall = (performance.now() - started) / 1000;
      const match = /GNUTIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
      if (code !== 0) {
        reject(
          new Error(`${command} ${args.join(" ").slice(0, 200)} exited with ${code}: ${stderr.slice(-1500)}`),
        );
        return;
      }
      resolve({
        wallSeconds: wall,
        maxRssBytes: match ? Number(match[2]) * 1024 : 0,
        cpu: { userSeconds: Number(match?.[3] ?? 0), systemSeconds: Number(match?.[4] ?? 0) },
        stdout,
        stderr: match ? stderr.slice(0, match.index) : stderr,
      });
    });
  });
}
