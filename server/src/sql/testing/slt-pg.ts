/**
 * Runs sqllogictest files against PostgreSQL, the reference the corpus's expected results come
 * from:
 *
 *   ALOPEX_SLT_PG=postgres://user@host:port/postgres npx tsx src/sql/testing/slt-pg.ts [--rewrite] files...
 *
 * Without --rewrite it reports every record whose expectation PostgreSQL does not meet (the
 * corpus should have none). With --rewrite it first replaces the results of queries that differ
 * with PostgreSQL's (as ALOPEX_SLT_REWRITE does with Alopex's), then checks the file again.
 * Records under `skipif postgresql` are skipped and `onlyif postgresql` ones run, so the engine
 * name here is "postgresql" with no aliases.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { PgSltEngine } from "./pg-slt-engine.js";
import { formatSltReport, parseSltFile, runSlt, sltCompletion, type SltRunOptions } from "./slt/index.js";

const OPTIONS: SltRunOptions = { engineName: "postgresql", engineAliases: [] };

async function withEngine<T>(url: string, f: (e: PgSltEngine) => Promise<T>): Promise<T> {
  const engine = await PgSltEngine.open(url);
  try {
    return await f(engine);
  } finally {
    await engine.close();
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const url = process.env.ALOPEX_SLT_PG;
  if (!url) {
    console.error("set ALOPEX_SLT_PG to a PostgreSQL connection string");
    return 2;
  }
  const rewrite = argv.includes("--rewrite");
  const files = argv.filter((a) => a !== "--rewrite");
  let failed = 0;
  for (const file of files) {
    let text = readFileSync(file, "utf8");
    if (rewrite) {
      const done = await withEngine(url, (e) => sltCompletion(text, file, e, OPTIONS));
      if (done.text !== text) {
        writeFileSync(file, done.text);
        text = done.text;
        console.log(`${file}: rewrote ${done.rewritten} result${done.rewritten === 1 ? "" : "s"}`);
      }
    }
    const report = await withEngine(url, (e) => runSlt(parseSltFile(text, file), e, OPTIONS));
    report.file = file;
    failed += report.failed;
    console.log(formatSltReport(report));
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
