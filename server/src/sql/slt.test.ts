/** The SQL engine's sqllogictest corpus (testdata/slt), each file on a fresh database. */
import { fileURLToPath } from "node:url";
import { describeSltFiles } from "./testing/slt/vitest.js";
import { SessionSltEngine } from "./testing/session-engine.js";

describeSltFiles(fileURLToPath(new URL("./testdata/slt", import.meta.url)), () => SessionSltEngine.open());
