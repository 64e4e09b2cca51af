/*
 * sensors: deterministic simulated sensors for laptops, CI and the fleet simulator.
 * Every channel gets a waveform of its own (phase by channel id and element index), scaled
 * to the element type, so a brain sees plausible, repeatable data.
 */
import type { SensorArrays } from "../../src/agent/agent";
import type { ChannelConfig } from "../../src/agent/config";

/** A sampler for io.sampleSensors: fills the arrays the SampleSensors action hands over. */
export function simulatedSensors(table: readonly ChannelConfig[], phaseOffset = 0): (nowMs: number, sensors: SensorArrays) => void {
  const channels = table.filter((c) => c.kind === "sensor");
  return (nowMs: number, sensors: SensorArrays) => {
    const t = nowMs / 1000 + phaseOffset;
    for (const c of channels) {
      const a = sensors.sensorArray(c.id);
      const scale = c.type === "f32" || c.type === "f64" ? 1 : c.type.endsWith("8") ? 100 : 1000;
      for (let i = 0; i < a.length; i++) a[i] = Math.round(Math.sin(t * (1 + c.id) + i * 0.7) * scale * 1000) / 1000;
    }
  };
}
