/**
 * What an hnsw index is to the kv store: the VectorIndexSpec its entries are written and searched
 * with. The store treats entries as one index only if every field agrees, so the spec is derived
 * from the (immutable) descriptors alone: id from the index, dims from the column's type, metric
 * from the operator class, m and ef_construction from WITH (catalog.ts fills in the defaults).
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { VectorIndexSpec } from "../../kv/kv.js";
import { metricOfOpclass } from "../../vector/distance.js";
import { columnPosition } from "./keys.js";
import type { Index, Table } from "./model.js";

export interface VectorIndexShape {
  readonly spec: VectorIndexSpec;
  /** Position in table.columns of the indexed vector column. */
  readonly position: number;
}

const shapes = new WeakMap<Index, VectorIndexShape>();

/** The spec and column of an hnsw index of `table` (XX000 if the descriptors disagree). */
export function vectorIndexShape(index: Index, table: Table): VectorIndexShape {
  const cached = shapes.get(index);
  if (cached && table.columns[cached.position]?.id === index.columns[0]?.columnId) return cached;
  if (index.method !== "hnsw" || index.tableId !== table.id || index.columns.length !== 1) {
    throw new SqlStateError(`index "${index.name}" is not an hnsw index of table "${table.name}"`, "XX000");
  }
  const position = columnPosition(table, index.columns[0]!.columnId);
  const type = table.columns[position]!.type;
  if (type.kind !== "vector" || type.dims === undefined) throw new SqlStateError(`hnsw index "${index.name}": column "${table.columns[position]!.name}" is not a vector with dimensions`, "XX000");
  const option = (name: string): number | undefined => (index.options[name] === undefined ? undefined : Number(index.options[name]));
  const m = option("m");
  const efConstruction = option("ef_construction");
  const spec: VectorIndexSpec = Object.freeze({
    id: index.id,
    dims: type.dims,
    metric: metricOfOpclass(String(index.options.opclass ?? "vector_l2_ops")),
    ...(m !== undefined && { m }),
    ...(efConstruction !== undefined && { efConstruction }),
  });
  const shape = Object.freeze({ spec, position });
  shapes.set(index, shape);
  return shape;
}
