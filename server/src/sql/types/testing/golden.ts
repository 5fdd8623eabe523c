/** Reads testdata/golden.jsonl (PostgreSQL 15's answers, see testdata/generate-golden.ts). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface Outcome {
  out?: string | null;
  err?: string;
  msg?: string;
  detail?: string;
}
export type GoldenIo = Outcome & { k: "io"; type: string; in: string; bin?: string };
export type GoldenCast = Outcome & { k: "cast"; from: string; in: string; to: string; ctx: "explicit" | "assignment" };
export type GoldenCastable = Outcome & { k: "castable"; from: string; to: string; ctx: "explicit" | "assignment" | "implicit" };
export type GoldenCommon = Outcome & { k: "common"; types: string[] };
export type GoldenOrder = Outcome & { k: "order"; type: string; values: string[]; ranks: number[] };
export type GoldenTypename = Outcome & { k: "typename"; name: string };
type Record = GoldenIo | GoldenCast | GoldenCastable | GoldenCommon | GoldenOrder | GoldenTypename | { k: "meta" };

let cache: Record[] | undefined;

function load(): Record[] {
  if (cache === undefined) {
    const path = fileURLToPath(new URL("../testdata/golden.jsonl", import.meta.url));
    cache = readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as Record);
  }
  return cache;
}

export function golden<K extends Record["k"]>(k: K): Extract<Record, { k: K }>[] {
  return load().filter((r): r is Extract<Record, { k: K }> => r.k === k);
}
