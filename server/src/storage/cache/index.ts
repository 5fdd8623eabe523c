/** The block cache shared by every SSTable reader. */
export { BlockCache } from "./block-cache.js";
