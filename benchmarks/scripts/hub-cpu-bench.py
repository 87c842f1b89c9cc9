#!/usr/bin/python3
"""Runs the shared koji-bench.py with the CPU time of the hub process (and optionally of one
PostgreSQL cluster) measured per call.

On a machine shared with other work the bench's own "top CPU seconds by process name" mixes
every process called `dotnet`; this wrapper reads /proc/<pid>/stat of the hub process itself at
the start and end of each measured phase (the same instants the bench's LoadProbe uses: after
the workers' warm-up, until their results are in) and divides by the calls made.

Usage: hub-cpu-bench.py --hub-pid PID [--pg-pid POSTMASTER_PID] [koji-bench.py arguments...]
The bench script is ../shared/bench/koji-bench.py unless KOJINET_BENCH_SCRIPT names another.
"""
import importlib.util
import json
import os
import sys

HZ = os.sysconf('SC_CLK_TCK')


def proc_cpu(pid, children=False):
    """utime+stime (and, with children, the reaped children's) of a process, in seconds."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            data = f.read()
    except OSError:
        return 0.0
    fields = data[data.rfind(')') + 2:].split()
    t = int(fields[11]) + int(fields[12])
    if children:
        t += int(fields[13]) + int(fields[14])
    return t / HZ


def cluster_cpu(postmaster):
    """CPU of a PostgreSQL cluster: the postmaster, its exited children and its live children."""
    total = proc_cpu(postmaster, children=True)
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry) as f:
                data = f.read()
        except OSError:
            continue
        fields = data[data.rfind(')') + 2:].split()
        if int(fields[1]) == postmaster:
            total += (int(fields[11]) + int(fields[12])) / HZ
    return total


def take(argv, name):
    if name in argv:
        i = argv.index(name)
        value = int(argv[i + 1])
        del argv[i:i + 2]
        return value
    return None


def main():
    argv = sys.argv[1:]
    hub_pid = take(argv, '--hub-pid')
    pg_pid = take(argv, '--pg-pid')
    if hub_pid is None:
        raise SystemExit('usage: hub-cpu-bench.py --hub-pid PID [--pg-pid PID] [koji-bench.py args]')
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.environ.get('KOJINET_BENCH_SCRIPT') or os.path.join(here, '../../../shared/bench/koji-bench.py')
    spec = importlib.util.spec_from_file_location('koji_bench', path)
    kb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kb)

    base_probe = kb.LoadProbe

    class Probe(base_probe):
        def __init__(self):
            self.h0 = proc_cpu(hub_pid)
            self.g0 = cluster_cpu(pg_pid) if pg_pid else None
            super().__init__()

        def finish(self):
            out = super().finish()
            out['hub_cpu_s'] = proc_cpu(hub_pid) - self.h0
            if self.g0 is not None:
                out['pg_cpu_s'] = cluster_cpu(pg_pid) - self.g0
            return out

    kb.LoadProbe = Probe
    rows = []
    base_run_phase = kb.run_phase

    def run_phase(kind, conc, opts, data, call=None):
        r = base_run_phase(kind, conc, opts, data, call=call)
        if opts.duration > 2.0:  # not the bench's own 2 s warm-up phase
            rows.append(r)
        return r

    kb.run_phase = run_phase
    base_fmt = kb.fmt_table

    def fmt_table(table_rows):
        text = base_fmt(table_rows)
        out = ['', '## hub CPU per call (ms; write: per createEmptyBuild+tagBuildBypass pair)', '',
               '| call | conc | ok | ops/s | hub CPU ms/call |' + (' pg CPU ms/call |' if pg_pid else ''),
               '|---|---|---|---|---|' + ('---|' if pg_pid else '')]
        for r in table_rows:
            n = r['ok'] or 1
            line = '| %s | %d | %d | %.1f | %.3f |' % (r['call'], r['conc'], r['ok'], r['rate'],
                                                     1000.0 * r['load']['hub_cpu_s'] / n)
            if pg_pid:
                line += ' %.3f |' % (1000.0 * r['load']['pg_cpu_s'] / n)
            out.append(line)
            r['hub_cpu_ms_per_call'] = 1000.0 * r['load']['hub_cpu_s'] / n
        return text + '\n' + '\n'.join(out)

    kb.fmt_table = fmt_table
    sys.argv = [path] + argv
    kb.main()


if __name__ == '__main__':
    main()
