import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { KvEngine } from "./fake-engine.js";
import { describeSltFiles, sltFilesIn } from "./vitest.js";

const dir = fileURLToPath(new URL("./testdata/kv", import.meta.url));

describeSltFiles(dir, async () => new KvEngine());

test("sltFilesIn finds .test files recursively, sorted, relative to the directory", () => {
  expect(sltFilesIn(dir)).toEqual(["basic.test", "more/hashes.test"]);
});
