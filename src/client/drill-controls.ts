import type { Drill, DrillRequest } from '../core/drill.js';
import type { DrillBoard } from '../health/drill-board.js';

/** `health.drill`, `health.drills`, `health.cancelDrill`: failover drills, as `backstop.health` offers them. */
export class DrillControls {
  constructor(private readonly board: DrillBoard) {}

  /**
   * A failover drill: for `duration` ms, runs in every connected process treat the provider (by
   * name) or the providers of a healthcheck (`tag`) as failing in `env`: `down`, `error-rate` with
   * `rate`, or `slow` by `latencyMs`. Attempts it decided say `drill: true`. Ends by itself.
   */
  drill(request: DrillRequest): Promise<Drill> {
    return this.board.start(request);
  }

  /** The drills in force (of one product when given). */
  drills(product?: string): Promise<Drill[]> {
    return this.board.list(product);
  }

  /** Ends a drill now, everywhere; false when none of that id is in force. */
  cancelDrill(id: string): Promise<boolean> {
    return this.board.cancel(id);
  }
}
