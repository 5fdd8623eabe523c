/** Window functions (placeholder until the window operator lands). */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { PhysicalPlan } from "../plan/physical.js";
import type { ExecContext } from "./context.js";
import type { Operator, Row } from "./operator.js";

export class WindowOperator implements Operator {
  constructor(
    private readonly input: Operator,
    plan: Extract<PhysicalPlan, { kind: "window" }>,
    ctx: ExecContext,
  ) {
    void plan;
    void ctx;
  }
  async open(): Promise<void> {
    void this.input;
    throw new SqlStateError("window functions are not supported yet", "0A000");
  }
  async next(): Promise<Row[] | null> {
    return null;
  }
  async close(): Promise<void> {}
}
