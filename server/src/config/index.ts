export { parseSizeBytes, formatBytes } from "./size.js";
export {
  storageConfigSchema,
  parseStorageConfig,
  ConfigError,
  type StorageConfig,
  type StorageConfigInput,
} from "./storage-config.js";
