/*
 * fleet/echo-controller: the fleet bench's controller. It answers every sensor frame with a
 * motor command that echoes the frame's "counter" channel ([sample counter, window tag], see
 * fleet-pool.ts) on "wheels", so the agent that applies it closes one sensor -> brain -> motor
 * loop, and counts the in-window (tag 1) frames it saw. `createController` lets a brain
 * worker process (testkit/cluster-worker.ts) load it by module path.
 */
import type { Controller, SensorFrame } from "../brain/index";

export class EchoController implements Controller {
  private readonly wheels = new Float32Array(2);
  private readonly command = { motors: { wheels: this.wheels } };
  inWindow = 0;
  onSensorFrame(frame: SensorFrame) {
    const c = frame.get("counter")!;
    this.wheels[0] = c[0];
    this.wheels[1] = c[1];
    if (c[1] === 1) this.inWindow++;
    return this.command;
  }
}

export function createController(): Controller {
  return new EchoController();
}
