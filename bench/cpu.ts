/**
 * CPU time spent per process, read from /proc (Linux): how much work one request costs the server, the
 * PostgreSQL backends and the load generator. Unlike req/s, this barely moves when other work shares the
 * machine, so it tells where the time goes. Elsewhere than Linux, or for a remote PostgreSQL, the
 * figures are simply absent.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import type pg from 'pg';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // getconf absent: Linux's usual 100 Hz.
}

/** utime + stime of a process in microseconds, or null when it cannot be read. */
export function processCpuMicros(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / ticksPerSecond : null;
  } catch {
    return null;
  }
}

export interface CpuSample {
  server: number | null;
  postgres: Map<number, number>;
  loadGenerator: number;
}

/** PostgreSQL backends serving `database`, by pid (readable only when PostgreSQL runs on this machine). */
async function backendCpu(admin: pg.Pool, database: string): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [database],
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const us = processCpuMicros(pid);
    if (us !== null) cpu.set(pid, us);
  }
  return cpu;
}

export async function sampleCpu(admin: pg.Pool, database: string, serverPid: number): Promise<CpuSample> {
  const { user, system } = process.cpuUsage();
  return {
    server: processCpuMicros(serverPid),
    postgres: await backendCpu(admin, database),
    loadGenerator: user + system,
  };
}

export interface CpuSpent {
  server: number | null;
  postgres: number | null;
  loadGenerator: number;
}

/** CPU microseconds spent between two samples; a backend that started in between counts from zero. */
export function cpuSpent(before: CpuSample, after: CpuSample): CpuSpent {
  let postgres = 0;
  for (const [pid, us] of after.postgres) postgres += us - (before.postgres.get(pid) ?? 0);
  return {
    server: before.server !== null && after.server !== null ? after.server - before.server : null,
    postgres: after.postgres.size > 0 ? postgres : null,
    loadGenerator: after.loadGenerator - before.loadGenerator,
  };
}
