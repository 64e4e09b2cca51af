/*
 * sensors: deterministic simulated sensors for laptops, CI and the fleet simulator.
 * Every channel gets a waveform of its own (phase by channel id and element index), scaled
 * to the element type, so a brain sees plausible, repeatable data.
 */
import type { Agent } from "../../src/agent/agent";

export function simulatedSensors(agent: Agent, phaseOffset = 0): (nowMs: number) => void {
  const channels = agent.config.channels.filter((c) => c.kind === "sensor");
  return (nowMs: number) => {
    const t = nowMs / 1000 + phaseOffset;
    for (const c of channels) {
      const a = agent.sensorArray(c.id);
      const scale = c.type === "f32" || c.type === "f64" ? 1 : c.type.endsWith("8") ? 100 : 1000;
      for (let i = 0; i < a.length; i++) a[i] = Math.round(Math.sin(t * (1 + c.id) + i * 0.7) * scale * 1000) / 1000;
    }
  };
}
