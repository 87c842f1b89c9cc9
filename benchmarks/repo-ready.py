#!/usr/bin/python3
"""Repo latency against a running `kojinet up` (issue 5's benchmark: buildroot repos in seconds).

usage: repo-ready.py DATA_DIR [N] [FILL_RPM_DIR] [EMPTY_BUILDS]

For N runs it tags a NEW build (imported beforehand, not timed) into the destination tag
`kojinet` with tagBuildBypass and measures the wall time until a READY repo of the build tag
`kojinet-build` (which inherits `kojinet`) contains it: the client asks for it the way
`koji wait-repo --build` does (repo.request(tag, min_event='last'), then polls
repo.checkRequest) and checks the repo's pkglist has the new RPM. Reported: p50/p90/max, and
where the time goes (request -> newRepo task created -> started by the builder -> repo
READY -> seen by the client).

It runs once on the small example tag, then, when FILL_RPM_DIR is given (RPMs made by
benchmarks/scripts/make-tiny-rpms.sh), fills the tag with those RPMs (one build per source RPM,
imported with importRPM) plus EMPTY_BUILDS empty builds (createEmptyBuild, default 2000), and
runs again. The RPM files are copied straight into the hub's work directory (same machine)
instead of being uploaded, to keep the fill step short.
Uses only Python's standard library (kojinet_session.py: xmlrpc.client over TLS with the admin certificate).
"""
import glob, os, shutil, statistics, subprocess, sys, tempfile, time, uuid

from kojinet_session import config, session

DEST_TAG = "kojinet"
BUILD_TAG = "kojinet-build"


def make_rpms(root, names):
    """SRPM and noarch RPM of a tiny package per name (rpmbuild -ba, no sources)."""
    out = []
    for name in names:
        spec = os.path.join(root, name + ".spec")
        with open(spec, "w") as f:
            f.write("Name: %s\nVersion: 1.0\nRelease: 1\nSummary: repo benchmark\nLicense: MIT\nBuildArch: noarch\n"
                    "%%description\nRepo benchmark package.\n%%install\nmkdir -p %%{buildroot}/usr/share/%s\n"
                    "echo %s > %%{buildroot}/usr/share/%s/file\n%%files\n/usr/share/%s/file\n" % (name, name, name, name, name))
        subprocess.check_call(["rpmbuild", "-ba", "--quiet", "--define", "_topdir " + os.path.join(root, "top"), spec],
                              stdout=subprocess.DEVNULL)
        out.append(("%s-1.0-1" % name,
                    os.path.join(root, "top", "SRPMS", "%s-1.0-1.src.rpm" % name),
                    os.path.join(root, "top", "RPMS", "noarch", "%s-1.0-1.noarch.rpm" % name)))
    return out


def stage(kojidir, files):
    """Puts files where an upload would (<topdir>/work/<dir>/); returns the dir relative to work/."""
    rel = "bench-repo/%s" % uuid.uuid4().hex
    dest = os.path.join(kojidir, "work", rel)
    os.makedirs(dest)
    for f in files:
        shutil.copy(f, dest)
    return rel


def wait_repo(s, min_event="last", timeout=600):
    """repo.request + repo.checkRequest polling, as `koji wait-repo` does; returns (repo, request or None)."""
    res = s.call("repo.request", BUILD_TAG, min_event)
    req = res["request"]
    deadline = time.time() + timeout
    while res["repo"] is None:
        if not res["request"]["active"]:
            sys.exit("request %d ended without a repo" % req["id"])
        if time.time() > deadline:
            sys.exit("no repo for request %d after %d s" % (req["id"], timeout))
        time.sleep(0.02)
        res = s.call("repo.checkRequest", req["id"])
    return res["repo"], req


def pkglist_has(kojidir, repo, rpm_name):
    base = os.path.join(kojidir, "repos", repo["tag_name"], str(repo["id"]))
    for arch in os.listdir(base):
        pkglist = os.path.join(base, arch, "pkglist")
        if os.path.exists(pkglist) and rpm_name in open(pkglist).read():
            return True
    return False


def runs(s, kojidir, n, label):
    builds = make_rpms(tempfile.mkdtemp(prefix="kojinet-repo-bench-"), ["repobench-%s-%d" % (uuid.uuid4().hex[:6], i) for i in range(n)])
    calls = []
    for nvr, srpm, rpm in builds:
        calls.append(("packageListAdd", [DEST_TAG, nvr.rsplit("-", 2)[0], "kojiadmin"]))
    s.multicall(calls)
    for nvr, srpm, rpm in builds:
        rel = stage(kojidir, [srpm, rpm])
        s.call("importRPM", rel, os.path.basename(srpm))
        s.call("importRPM", rel, os.path.basename(rpm))
    totals, queued, started, ran, noticed, init, createrepo = [], [], [], [], [], [], []
    for nvr, srpm, rpm in builds:
        t0 = time.time()
        s.call("tagBuildBypass", DEST_TAG, nvr)
        repo, req = wait_repo(s)
        t1 = time.time()
        if not pkglist_has(kojidir, repo, os.path.basename(rpm)):
            sys.exit("repo %d of %s is READY but has no %s" % (repo["id"], BUILD_TAG, os.path.basename(rpm)))
        totals.append(t1 - t0)
        if repo.get("task_id"):
            task = s.call("getTaskInfo", repo["task_id"])
            queued.append(task["create_ts"] - t0)
            started.append(task["start_ts"] - task["create_ts"])
            # READY comes from repoDone inside the task, before the task itself closes.
            ran.append(repo["state_ts"] - task["start_ts"])
            noticed.append(t1 - repo["state_ts"])
            children = [c for c in s.call("getTaskChildren", repo["task_id"]) if c["method"] == "createrepo"]
            if children:
                # repo_init on the hub (the pkglist, comps, links) until the first createrepo subtask exists;
                # then the slowest arch's createrepo task.
                init.append(min(c["create_ts"] for c in children) - task["start_ts"])
                createrepo.append(max((c["completion_ts"] or repo["state_ts"]) - c["start_ts"] for c in children if c["start_ts"]))

    def row(name, values):
        if not values:
            return
        values = sorted(values)
        print("  %-46s p50 %6.3f s  p90 %6.3f s  max %6.3f s" % (name, statistics.median(values), values[int(0.9 * (len(values) - 1))], values[-1]))
    print("%s: %d runs" % (label, n))
    row("tagBuild -> READY repo with the build", totals)
    row("  tagBuild -> newRepo task created", queued)
    row("  task created -> started by the builder", started)
    row("  task started -> repo READY (init, createrepo, done)", ran)
    row("    of which newRepo until createrepo subtask", init)
    row("    of which createrepo subtask", createrepo)
    row("  repo READY -> client sees it", noticed)
    sys.stdout.flush()


def fill(s, kojidir, rpm_dir, empty):
    t0 = time.time()
    rpms = sorted(glob.glob(os.path.join(rpm_dir, "*.rpm")))
    if not rpms:
        sys.exit("no RPMs in %s (make them with benchmarks/scripts/make-tiny-rpms.sh)" % rpm_dir)
    sources = subprocess.check_output(["rpm", "-qp", "--nosignature", "--qf", "%{SOURCERPM}\n"] + rpms).decode().split()
    builds = sorted({src[:-len(".src.rpm")] for src in sources})
    calls = []
    for nvr in builds:
        name, version, release = nvr.rsplit("-", 2)
        calls.append(("packageListAdd", [DEST_TAG, name, "kojiadmin"]))
        calls.append(("createEmptyBuild", [name, version, release, None]))
    s.multicall(calls)
    rel = stage(kojidir, rpms)
    s.multicall([("importRPM", [rel, os.path.basename(r)]) for r in rpms], batch=200)
    prefix = "repobench-empty-%s" % uuid.uuid4().hex[:6]
    calls = []
    for i in range(empty):
        name = "%s-%d" % (prefix, i)
        calls.append(("packageListAdd", [DEST_TAG, name, "kojiadmin"]))
        calls.append(("createEmptyBuild", [name, "1.0", "1", None]))
    s.multicall(calls)
    s.multicall([("tagBuildBypass", [DEST_TAG, nvr]) for nvr in builds]
                + [("tagBuildBypass", [DEST_TAG, "%s-%d-1.0-1" % (prefix, i)]) for i in range(empty)])
    filled = time.time()
    repo, _ = wait_repo(s)
    print("filled %s with %d RPMs in %d builds and %d empty builds in %.1f s; its first full repo took %.1f s"
          % (DEST_TAG, len(rpms), len(builds), empty, filled - t0, time.time() - filled))
    sys.stdout.flush()


def main():
    data = os.path.abspath(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    rpm_dir = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else None
    empty = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    cfg = config(data)
    kojidir = os.path.join(data, "koji")
    s = session(cfg)
    wait_repo(s)  # the tag's first repo
    runs(s, kojidir, n, "small example tag")
    if rpm_dir:
        fill(s, kojidir, rpm_dir, empty)
        runs(s, kojidir, n, "filled tag")


if __name__ == "__main__":
    main()
