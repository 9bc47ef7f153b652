import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { FolderSource } from "./folder-source.ts";

let root: string;
let source: FolderSource;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "folder-source-"));
  await mkdir(path.join(root, "download", "archive"), { recursive: true });
  await writeFile(path.join(root, "download", "b.txt"), "0123456789");
  await writeFile(path.join(root, "download", "a.txt"), "abc");
  source = new FolderSource(root);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

it("lists regular files under the remote folder, in name order", async () => {
  const files = await source.list("/download");
  expect(files.map((file) => [file.path, file.name, file.size])).toEqual([
    ["/download/a.txt", "a.txt", 3],
    ["/download/b.txt", "b.txt", 10],
  ]);
});

it("downloads and resumes from a partial local file", async () => {
  const [, file] = await source.list("/download");
  if (!file) throw new Error("fixture missing");
  const target = path.join(root, "local-b");
  await writeFile(target, "01234");
  const seen: number[] = [];
  await source.download(file, target, { onProgress: (bytes) => seen.push(bytes) });
  expect(await readFile(target, "utf8")).toBe("0123456789");
  expect(seen.at(-1)).toBe(10);
});

it("refuses a changed file and paths outside its root", async () => {
  const [file] = await source.list("/download");
  if (!file) throw new Error("fixture missing");
  await expect(source.download({ ...file, size: 99 }, path.join(root, "x"))).rejects.toMatchObject({
    code: "SFTP_FILE_CHANGED",
  });
  await expect(source.list("/missing")).rejects.toMatchObject({ code: "SFTP_FOLDER_NOT_FOUND" });
  const outside = { ...file, path: "/../../etc/passwd" };
  // "/../.." resolves to "/" inside the root, so it names <root>/etc/passwd, which does not exist.
  await expect(source.download(outside, path.join(root, "y"))).rejects.toThrow(/ENOENT/);
});
