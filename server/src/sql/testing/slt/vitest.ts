/** Registers sqllogictest files as vitest tests, one test per file. */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, test } from "vitest";
import { formatSltReport, runSltFile } from "./runner.js";
import type { SltEngine, SltRunOptions } from "./types.js";

/** The `.test` files under `dir` (recursively), sorted, relative to `dir`. */
export function sltFilesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test"))
    .map((f) => relative(dir, join(dir, f)))
    .sort();
}

/**
 * One vitest test per `.test` file under `dir`, each run on a fresh engine; a failing test's
 * message lists every failing record with file:line, its SQL and the diff. An empty directory is
 * a failing test rather than a silent pass, since it usually means a wrong path.
 */
export function describeSltFiles(dir: string, makeEngine: () => Promise<SltEngine>, opts: SltRunOptions = {}): void {
  const files = sltFilesIn(dir);
  describe(`sqllogictest ${dir}`, () => {
    if (files.length === 0) {
      test("has .test files", () => {
        throw new Error(`no .test files under ${dir}`);
      });
    }
    for (const file of files) {
      test(file, async () => {
        const report = await runSltFile(join(dir, file), makeEngine, opts);
        if (report.failures.length > 0) throw new Error(formatSltReport(report));
      });
    }
  });
}
