import * as os from "node:os";
import * as path from "node:path";

/** The data directory when none is given: $ALOPEX_DATA_DIR, else ~/.alopex/data. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ALOPEX_DATA_DIR || path.join(os.homedir(), ".alopex", "data");
}
