import { expect, it } from "vitest";
import { RequestRecorder } from "./recorder.ts";

const entry = (path: string) => ({
  time: 0,
  method: "GET",
  path,
  query: {},
  headers: {},
  body: null,
  api: null,
});

it("keeps only the latest requests beyond its capacity, ids still counting up", () => {
  const recorder = new RequestRecorder(2);
  for (const path of ["/a", "/b", "/c"]) recorder.start(entry(path));
  expect(recorder.list().map((record) => [record.id, record.path])).toEqual([
    [2, "/b"],
    [3, "/c"],
  ]);
});
