#!/usr/bin/python3
"""Build latency and Koji overhead against a running `kojinet up` (issue 4's benchmarks).

usage: build-latency.py DATA_DIR [N]

For N scratch builds of a trivial noarch package from a local git repository it reports:
  - latency from the `build` call to the first subtask OPEN (p50, p90, max), and to the build task OPEN;
  - the task tree's wall time, the time rpmbuild itself ran (from build.log/state.log timestamps
    written by the sandbox) and the difference: Koji's own overhead per build.
Uses only Python's standard library (kojinet_session.py: xmlrpc.client over TLS with the admin certificate).
"""
import hashlib, os, statistics, subprocess, sys, tempfile, time

from kojinet_session import config, session


def make_repo(root, cfg, lookaside_upload):
    name = "bench-hello"
    repo = os.path.join(root, name)
    src = os.path.join(root, "src", name + "-1.0")
    os.makedirs(src)
    os.makedirs(repo)
    open(os.path.join(src, "hello.txt"), "w").write("hello\n")
    tarball = os.path.join(root, name + "-1.0.tar.gz")
    subprocess.check_call(["tar", "-czf", tarball, "-C", os.path.dirname(src), os.path.basename(src)])
    digest = hashlib.sha512(open(tarball, "rb").read()).hexdigest()
    subprocess.check_output(["curl", "-sS", "--fail-with-body", "--cacert", cfg["serverca"], "-F", "name=" + name,
                             "-F", "sha512sum=" + digest, "-F", "file=@" + tarball, lookaside_upload])
    open(os.path.join(repo, name + ".spec"), "w").write("""Name: %s
Version: 1.0
Release: 1
Summary: benchmark package
License: MIT
BuildArch: noarch
Source0: %%{name}-%%{version}.tar.gz
%%description
Benchmark.
%%prep
%%setup -q
%%build
%%install
mkdir -p %%{buildroot}/usr/share/%s
cp hello.txt %%{buildroot}/usr/share/%s/
%%files
/usr/share/%s/hello.txt
""" % (name, name, name, name))
    open(os.path.join(repo, "sources"), "w").write("SHA512 (%s-1.0.tar.gz) = %s\n" % (name, digest))
    git = ["git", "-C", repo]
    subprocess.check_call(git + ["init", "-q"])
    subprocess.check_call(git + ["add", "."])
    subprocess.check_call(git + ["-c", "user.name=b", "-c", "user.email=b@example.com", "commit", "-q", "-m", "import"])
    commit = subprocess.check_output(git + ["rev-parse", "HEAD"]).decode().strip()
    return "git+file://%s#%s" % (repo, commit)


def main():
    data = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    cfg = config(data)
    base = cfg["server"].rsplit("/kojihub", 1)[0]
    s = session(cfg)
    source = make_repo(tempfile.mkdtemp(prefix="kojinet-bench-"), cfg, base + "/repo/pkgs/upload.cgi")
    to_open, to_first_child, overhead, walls, rpmbuild_times = [], [], [], [], []
    for i in range(n + 1):
        t0 = time.time()
        task = s.call("build", source, "kojinet", {"scratch": True})
        first_child = None
        while True:
            info = s.call("getTaskInfo", task)
            children = s.call("getTaskChildren", task)
            opened = [c["start_ts"] for c in children if c["start_ts"]]
            if first_child is None and opened:
                first_child = min(opened)
            if info["state"] in (2, 3, 5):
                break
            time.sleep(0.02)
        if info["state"] != 2:
            sys.exit("build task %d ended in state %d" % (task, info["state"]))
        wall = info["completion_ts"] - t0
        # rpmbuild's own time: the buildArch and SRPM tasks' state.log spans (written by the sandbox around rpmbuild).
        inside = 0.0
        for c in s.call("getTaskChildren", task):
            if c["method"] in ("buildArch", "buildSRPMFromSCM", "rebuildSRPM"):
                inside += rpmbuild_seconds(os.path.join(data, "koji", "work", "tasks", str(c["id"] % 10000), str(c["id"]), "state.log"))
        if i == 0:
            continue  # the first build also waits for the tag's first repo
        to_open.append(info["start_ts"] - t0)
        to_first_child.append(first_child - t0)
        walls.append(wall)
        rpmbuild_times.append(inside)
        overhead.append(wall - inside)

    def row(label, values):
        values = sorted(values)
        print("%-44s p50 %6.3f s  p90 %6.3f s  max %6.3f s" % (label, statistics.median(values), values[int(0.9 * (len(values) - 1))], values[-1]))
    print("%d scratch builds of a trivial noarch package" % n)
    row("build call -> build task OPEN", to_open)
    row("build call -> first subtask OPEN", to_first_child)
    row("task tree wall time", walls)
    row("time inside rpmbuild (state.log)", rpmbuild_times)
    row("Koji overhead (wall - rpmbuild)", overhead)


def rpmbuild_seconds(state_log):
    """Time rpmbuild ran, from the sandbox's state.log ('2026-11-21 10:00:00,123 - Start: buildsrpm' / 'Finish: ...'), init excluded."""
    import datetime
    if not os.path.exists(state_log):
        return 0.0
    total, start = 0.0, {}
    for line in open(state_log, errors="replace"):
        stamp, _, what = line.strip().partition(" - ")
        try:
            ts = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S,%f").timestamp()
        except ValueError:
            continue
        kind, _, step = what.partition(": ")
        if step == "init":
            continue
        if kind == "Start":
            start[step] = ts
        elif kind == "Finish" and step in start:
            total += ts - start.pop(step)
    return total


if __name__ == "__main__":
    main()
