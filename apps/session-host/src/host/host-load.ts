import { readFileSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { Injectable } from '@nestjs/common';

interface CpuTimes {
  busy: number;
  total: number;
}

function cpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, idle, irq } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + idle + irq;
  }
  return { busy, total };
}

function clampPercent(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(100, Math.max(0, Math.round(value * 10) / 10));
}

/** MemTotal and MemAvailable (kB) from /proc/meminfo, or undefined where there is none (not Linux). */
function procMeminfo(): { total: number; available: number } | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/meminfo', 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return match === null ? undefined : Number(match[1]);
  };
  const total = field('MemTotal');
  const available = field('MemAvailable');
  return total === undefined || available === undefined || total <= 0 ? undefined : { total, available };
}

/** The machine's load as heartbeats report it, in percent (0-100, one decimal). */
@Injectable()
export class HostLoad {
  private last = cpuTimes();

  /** Busy share of all CPUs since the previous call (the first call: since start-up). */
  cpuUsage(): number {
    const now = cpuTimes();
    const busy = now.busy - this.last.busy;
    const total = now.total - this.last.total;
    this.last = now;
    return total <= 0 ? 0 : clampPercent((busy / total) * 100);
  }

  /** (total - available) / total: memory the kernel could not hand out without swapping or reclaiming. */
  memoryUsage(): number {
    const meminfo = procMeminfo();
    if (meminfo !== undefined)
      return clampPercent(((meminfo.total - meminfo.available) / meminfo.total) * 100);
    const total = totalmem();
    return total <= 0 ? 0 : clampPercent(((total - freemem()) / total) * 100);
  }
}
