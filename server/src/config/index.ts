export { parseSizeBytes, formatBytes } from "./size.js";
export {
  storageConfigSchema,
  parseStorageConfig,
  ConfigError,
  type StorageConfig,
  type StorageConfigInput,
} from "./storage-config.js";
export {
  serverConfigSchema,
  AUTH_METHODS,
  LOG_LEVELS,
  DEFAULT_DATA_DIR,
  type ServerConfig,
  type ServerConfigInput,
  type AuthMethodName,
  type LogLevelName,
} from "./server-config.js";
export { loadServerConfig, readConfigFile, ENV_VARIABLES, CONFIG_FILE_ENV, type ConfigSources, type FlagValue } from "./load-server-config.js";
