/**
 * The machine a benchmark ran on, and how busy it was: figures from a shared machine mean
 * little without its core count and load average.
 *
 * @example
 * console.log(describeMachine(machineInfo())); // "2 cores (AMD EPYC …), Node v20.20.2, linux x64; load average 0.48 0.76 1.33"
 */
import { arch, cpus, loadavg, platform, totalmem } from "node:os";

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  memoryGb: number;
  /** 1, 5 and 15 minute load averages at the time of the call. */
  load: [number, number, number];
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  const [l1, l5, l15] = loadavg();
  return {
    cores: c.length,
    cpuModel: c[0]?.model.trim() ?? "unknown",
    node: process.version,
    platform: `${platform()} ${arch()}`,
    memoryGb: totalmem() / 2 ** 30,
    load: [l1, l5, l15],
  };
}

export const formatLoad = (load: readonly number[]) => load.map((x) => x.toFixed(2)).join(" ");

export function describeMachine(m: MachineInfo): string {
  return `${m.cores} cores (${m.cpuModel}), ${m.memoryGb.toFixed(0)} GB, Node ${m.node}, ${m.platform}; load average ${formatLoad(m.load)}`;
}
