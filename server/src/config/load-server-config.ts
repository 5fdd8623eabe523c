/**
 * Assembles the server configuration from its sources, later ones winning key by key:
 * defaults < config file (YAML or JSON) < environment (`ALOPEX_*`) < command-line flags.
 * Every value is validated once, after merging, and a bad one is reported with the source that
 * set it (file, variable or flag), so the user knows what to fix.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, storageConfigSchema } from "./storage-config.js";
import { serverConfigSchema, type ServerConfig } from "./server-config.js";

type Kind = "string" | "int" | "bool" | "size";

/** Environment variables and the keys they set. Storage keys: `ALOPEX_STORAGE_<KEY>` (e.g. ALOPEX_STORAGE_WAL_SYNC). */
export const ENV_VARIABLES: Readonly<Record<string, { readonly key: string; readonly kind: Kind }>> = {
  ALOPEX_DATA_DIR: { key: "data_dir", kind: "string" },
  ALOPEX_LISTEN_HOST: { key: "listen_host", kind: "string" },
  ALOPEX_PGWIRE_PORT: { key: "ports.pgwire", kind: "int" },
  ALOPEX_REST_PORT: { key: "ports.rest", kind: "int" },
  ALOPEX_GRPC_PORT: { key: "ports.grpc", kind: "int" },
  ALOPEX_ADMIN_PORT: { key: "ports.admin", kind: "int" },
  ALOPEX_AUTH_METHOD: { key: "auth.method", kind: "string" },
  ALOPEX_USER: { key: "auth.user", kind: "string" },
  ALOPEX_PASSWORD: { key: "auth.password", kind: "string" },
  ALOPEX_TLS_CERT_FILE: { key: "tls.cert_file", kind: "string" },
  ALOPEX_TLS_KEY_FILE: { key: "tls.key_file", kind: "string" },
  ALOPEX_REQUIRE_TLS: { key: "tls.require", kind: "bool" },
  ALOPEX_MAX_CONNECTIONS: { key: "limits.max_connections", kind: "int" },
  ALOPEX_MAX_MESSAGE_SIZE: { key: "limits.max_message_size", kind: "size" },
  ALOPEX_STATEMENT_TIMEOUT_MS: { key: "limits.statement_timeout_ms", kind: "int" },
  ALOPEX_IDLE_IN_TRANSACTION_TIMEOUT_MS: { key: "limits.idle_in_transaction_timeout_ms", kind: "int" },
  ALOPEX_AUTH_TIMEOUT_MS: { key: "limits.auth_timeout_ms", kind: "int" },
  ALOPEX_LOG_LEVEL: { key: "log.level", kind: "string" },
  ALOPEX_LOG_FORMAT: { key: "log.format", kind: "string" },
  ALOPEX_SLOW_QUERY_MS: { key: "log.slow_query_ms", kind: "int" },
  ALOPEX_DRAIN_TIMEOUT_MS: { key: "shutdown.drain_timeout_ms", kind: "int" },
  ALOPEX_GRPC_SESSION_TIMEOUT_MS: { key: "grpc.session_timeout_ms", kind: "int" },
};

/** The variable naming the config file (a `--config` flag wins over it). */
export const CONFIG_FILE_ENV = "ALOPEX_CONFIG";
const STORAGE_ENV_PREFIX = "ALOPEX_STORAGE_";

/** One value from a command-line flag, by dotted key ("ports.pgwire"). */
export interface FlagValue {
  readonly key: string;
  readonly value: unknown;
  /** The flag as typed, for messages ("--pgwire-port"). */
  readonly flag: string;
}

export interface ConfigSources {
  /** A YAML or JSON file; when absent, $ALOPEX_CONFIG names one (or none). */
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly flags?: readonly FlagValue[];
}

type Tree = Record<string, unknown>;

/** Reads, merges and validates; throws `ConfigError` naming every bad key and where it came from. */
export function loadServerConfig(sources: ConfigSources = {}): ServerConfig {
  const env = sources.env ?? process.env;
  const origin = new Map<string, string>();
  const merged: Tree = {};
  const file = sources.file ?? (env[CONFIG_FILE_ENV] || undefined);
  if (file !== undefined) {
    const fromFile = readConfigFile(file);
    mergeInto(merged, fromFile, "", origin, `config file ${file}`);
  }
  for (const { key, value, source } of envValues(env)) setKey(merged, key, value, origin, source);
  for (const f of sources.flags ?? []) setKey(merged, f.key, f.value, origin, f.flag);
  if (typeof merged.data_dir === "string") merged.data_dir = expandHome(merged.data_dir);

  const r = serverConfigSchema.safeParse(merged);
  if (!r.success) {
    const lines = r.error.issues.flatMap((i) => {
      const key = i.path.join(".");
      if (i.code !== "unrecognized_keys") return [`${key || "(config)"}${sourceOf(key, origin)}: ${i.message}`];
      return i.keys.map((k) => {
        const full = key === "" ? k : `${key}.${k}`;
        const hint = key === "" && k in storageConfigSchema.shape ? " (storage settings go under storage:)" : "";
        return `${full}${sourceOf(full, origin)}: unknown key${hint}`;
      });
    });
    throw new ConfigError(`invalid config:\n  ${lines.join("\n  ")}`);
  }
  return r.data;
}

/** Parses a config file: JSON when it ends in .json, YAML otherwise (YAML also reads JSON). */
export function readConfigFile(file: string): Tree {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let value: unknown;
  if (file.endsWith(".json")) {
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
    }
  } else {
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) throw new ConfigError(`config file ${file} is not valid YAML: ${doc.errors[0]!.message}`);
    value = doc.toJS() ?? {};
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ConfigError(`config file ${file} must hold a mapping of keys to values`);
  return value as Tree;
}

function envValues(env: NodeJS.ProcessEnv): { key: string; value: unknown; source: string }[] {
  const out: { key: string; value: unknown; source: string }[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (raw === undefined || raw === "") continue;
    const known = ENV_VARIABLES[name];
    if (known !== undefined) {
      out.push({ key: known.key, value: convert(raw, known.kind, name), source: name });
    } else if (name.startsWith(STORAGE_ENV_PREFIX)) {
      // Sizes take strings, counts take numbers: a string of digits is given as a number, which both accept.
      const key = `storage.${name.slice(STORAGE_ENV_PREFIX.length).toLowerCase()}`;
      out.push({ key, value: /^\d+$/.test(raw) ? Number(raw) : raw, source: name });
    }
    // Other ALOPEX_* variables belong to tests and tools (seeds, golden-file rewrites).
  }
  return out;
}

function convert(raw: string, kind: Kind, name: string): unknown {
  switch (kind) {
    case "string":
    case "size":
      return kind === "size" && /^\d+$/.test(raw) ? Number(raw) : raw;
    case "int":
      if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`invalid config:\n  ${name}: expected an integer, got "${raw}"`);
      return Number(raw);
    case "bool": {
      const v = raw.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(v)) return true;
      if (["0", "false", "no", "off"].includes(v)) return false;
      throw new ConfigError(`invalid config:\n  ${name}: expected true or false, got "${raw}"`);
    }
  }
}

function setKey(tree: Tree, dotted: string, value: unknown, origin: Map<string, string>, source: string): void {
  const parts = dotted.split(".");
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1]!] = value;
  origin.set(dotted, source);
}

function mergeInto(target: Tree, source: Tree, prefix: string, origin: Map<string, string>, from: string): void {
  for (const [k, v] of Object.entries(source)) {
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const existing = target[k];
      if (typeof existing !== "object" || existing === null || Array.isArray(existing)) target[k] = {};
      mergeInto(target[k] as Tree, v as Tree, key, origin, from);
    } else {
      target[k] = v;
      origin.set(key, from);
    }
  }
  if (prefix !== "") origin.set(prefix, origin.get(prefix) ?? from);
}

function sourceOf(key: string, origin: Map<string, string>): string {
  // The nearest key (or enclosing section) a source set; defaults have none.
  for (let k = key; k !== ""; k = k.includes(".") ? k.slice(0, k.lastIndexOf(".")) : "") {
    const s = origin.get(k);
    if (s !== undefined) return ` (from ${s})`;
  }
  return "";
}

function expandHome(dir: string): string {
  return dir === "~" || dir.startsWith("~/") ? path.join(os.homedir(), dir.slice(1)) : dir;
}
