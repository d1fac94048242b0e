#!/usr/bin/env python3
"""replicate-scale: replicate vs rsync on a mail server's worth of Maildirs.

Run from the top of an in-tree build (as root):
    python3 bench/replicate-scale.py [--messages 200000] [--folders N]
        [--seed 1] [--dir /var/tmp] [--attach-pct 2] [--quick]

Generates (seeded, deterministic, fast) MESSAGES messages in about
FOLDERS Maildir folders (default messages / 100): users with an INBOX and
subfolders (.Sent, .Archive.YYYY, ...), sizes log-normal around a 5 KB
median, ATTACH_PCT % of them 1-3 MB attachments; most in cur/ with
flags.  Then measures, in one run, on the machine's ordinary file system
(everything under --dir; the page cache is dropped before each timed
step unless --warm):
  1. initial sync: replicate pair (source -> replica, until "replicate
     sync" returns) vs one rsync -a over the rsync daemon into an empty
     directory;
  2. the source daemon's RSS and inotify watches once it watches the tree
     (and RSS per file);
  3. catch-up: the replica daemon is stopped; messages / 10 new messages,
     messages / 10 flag renames and messages / 40 deletes happen on the
     source; then the time from the replica's restart to converged
     ("replicate sync" returns) vs one incremental rsync -a --delete of
     the whole tree into rsync's copy;
  4. startup of the source daemon on that tree (peer down): from exec
     until its status shows every directory watched, vs
     `find ROOT | stat` (find -printf of what stat(1) would print).
Prints figures, ratios and the targets (catch-up >= 5x faster than the
incremental rsync; source RSS < 100 bytes per file; startup within 2x
of find|stat).  Both copies are compared with the source at the end.
All processes started here are stopped by PID; the trees are deleted.
Runs in a private network namespace (see replicate-bench.py, BENCH_NETNS).
--quick is the smoke test's setting: no cache drops, short waits.
"""
import argparse, importlib.util, math, os, random, shutil, subprocess, sys, time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
spec = importlib.util.spec_from_file_location(
    "replbench", os.path.join(TOP, "bench", "replicate-bench.py"))
rb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rb)

FOLDER_NAMES = ["", ".Sent", ".Drafts", ".Trash", ".Junk", ".Lists", ".Work",
                ".Family", ".Receipts", ".Travel"] + [".Archive.%d" % y for y in range(2005, 2026)]


class Tree:
    """The generated Maildir tree under root/example.com/userNNN/Maildir."""

    def __init__(self, root, messages, folders, attach_pct, seed):
        self.root = root
        self.rng = random.Random(seed)
        # content pool: 4 MB of printable, seeded bytes; messages are slices
        prng = random.Random(seed + 1)
        alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/"
        line = bytes(prng.choice(alphabet) for _ in range(76 * 1024))
        rows = [line[i:i + 76] + b"\n" for i in range(0, len(line), 76)]
        pool = bytearray()
        while len(pool) < (4 << 20):
            prng.shuffle(rows)
            pool += b"".join(rows)
        self.pool = bytes(pool[:4 << 20])
        self.folders = []
        per_user = len(FOLDER_NAMES)
        users = max(1, -(-folders // per_user))
        for u in range(users):
            for f in FOLDER_NAMES:
                if len(self.folders) >= folders:
                    break
                self.folders.append("example.com/user%04d/Maildir/%s" % (u, f) if f
                                    else "example.com/user%04d/Maildir" % u)
        # folder weights: a few big folders, many small ones (Zipf-like)
        self.weights = [1.0 / (i % 97 + 1) for i in range(len(self.folders))]
        self.attach = attach_pct / 100.0
        self.serial = 0
        self.files = {}       # rel path of each message -> folder index
        self.bytes = 0
        self.messages = messages

    def body(self, size):
        off = self.rng.randrange(0, len(self.pool) - 1)
        out = []
        while size > 0:
            n = min(size, len(self.pool) - off)
            out.append(memoryview(self.pool)[off:off + n])
            size -= n
            off = 0
        return out

    def size(self):
        if self.rng.random() < self.attach:
            return self.rng.randint(1 << 20, 3 << 20)
        return max(300, min(400000, int(self.rng.lognormvariate(math.log(5000), 0.9))))

    def new_message(self, cur_pct=85):
        fi = self.rng.choices(range(len(self.folders)), self.weights)[0]
        self.serial += 1
        name = "%d.M%dP%d.scale,S=%d" % (1600000000 + self.serial, self.serial, 4242, self.serial)
        if self.rng.randrange(100) < cur_pct:
            rel = "%s/cur/%s:2,%s" % (self.folders[fi], name, self.rng.choice(["S", "RS", "FS", ""]))
        else:
            rel = "%s/new/%s" % (self.folders[fi], name)
        size = self.size()
        hdr = b"From: a%d@example.org\nTo: user@example.com\nSubject: message %d\n\n" % (
            self.serial, self.serial)
        fd = os.open(os.path.join(self.root, rel), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, hdr)
        for chunk in self.body(size):
            os.write(fd, chunk)
        os.close(fd)
        self.files[rel] = size + len(hdr)
        self.bytes += size + len(hdr)
        return rel

    def generate(self):
        for f in self.folders:
            for s in ("cur", "new", "tmp"):
                os.makedirs(os.path.join(self.root, f, s), exist_ok=True)
        for _ in range(self.messages):
            self.new_message()

    def digest(self):
        """sha256 of the sorted names and sizes: equal for equal seeds."""
        import hashlib
        h = hashlib.sha256()
        for rel in sorted(self.files):
            h.update(b"%s %d\n" % (rel.encode(), self.files[rel]))
        return h.hexdigest()[:16]

    def changes(self, new, renames, deletes):
        """new deliveries, flag renames (new/ -> cur/ or a flag change in
        cur/), deletes of existing messages; deterministic."""
        old = sorted(self.files)
        self.rng.shuffle(old)
        ren, dele = old[:renames], old[renames:renames + deletes]
        for rel in ren:
            d, base = rel.rsplit("/", 1)
            folder, sub = d.rsplit("/", 1)
            stem = base.split(":2,")[0]
            to = "%s/cur/%s:2,%s" % (folder, stem, "RS" if base.endswith(":2,S") else "S")
            if to == rel:
                to = "%s/cur/%s:2,FS" % (folder, stem)
            os.rename(os.path.join(self.root, rel), os.path.join(self.root, to))
            self.files[to] = self.files.pop(rel)
        for rel in dele:
            os.unlink(os.path.join(self.root, rel))
            del self.files[rel]
        return [self.new_message(cur_pct=0) for _ in range(new)]


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_s(pid):
    """user + system CPU seconds of pid so far (its threads included)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def inotify_watches(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fdinfo" % pid):
        try:
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                n += sum(1 for line in f if line.startswith("inotify wd:"))
        except OSError:
            pass
    return n


def listing(root):
    """Every file (size, mode, mtime: both tools keep them) and directory
    under root, sorted; replicate's temp directory left out."""
    r = subprocess.run(["find", ".", "-path", "./.replicate.tmp", "-prune", "-o", "-type", "d",
                        "-printf", "%p d\n", "-o", "-printf", "%p %y %s %m %T@\n"],
                       cwd=root, capture_output=True, text=True)
    lines = sorted(l for l in r.stdout.splitlines()
                   if not l.startswith(". ") and not l.startswith("./.replicate.tmp"))
    return lines


def status(conf):
    out = rb.repl_ctl(conf, "status").stdout
    return dict(kv.split("=", 1) for kv in out.split() if "=" in kv)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=200000)
    ap.add_argument("--folders", type=int, default=0, help="default: messages / 100")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", default="/var/tmp")
    ap.add_argument("--attach-pct", type=float, default=2.0)
    ap.add_argument("--perf", metavar="FILE",
                    help="perf record -g the source daemon over the catch-up into FILE")
    ap.add_argument("--logs", metavar="DIR", help="copy the daemons' logs into DIR at the end")
    ap.add_argument("--warm", action="store_true", help="do not drop the page cache")
    ap.add_argument("--quick", action="store_true", help="smoke test: tiny waits, no cache drops")
    ap.add_argument("--generate-only", metavar="PATH",
                    help="only generate the tree into PATH (must not exist) and print its digest")
    a = ap.parse_args()
    folders = a.folders or max(1, a.messages // 100)
    if a.generate_only:
        t0 = time.time()
        tree = Tree(a.generate_only, a.messages, folders, a.attach_pct, a.seed)
        tree.generate()
        print("tree: %d messages, %.0f MB in %.1f s, digest %s" %
              (a.messages, tree.bytes / 1e6, time.time() - t0, tree.digest()))
        return 0
    if os.geteuid() != 0:
        print("SKIP: run as root (rsync daemon uid, drop_caches)")
        return 77
    if not shutil.which("rsync"):
        print("SKIP: rsync not installed")
        return 77
    rb.own_netns()
    if not os.access(rb.BIN, os.X_OK):
        print("build first: no %s" % rb.BIN)
        return 1
    cold = not (a.warm or a.quick)
    W = os.path.join(a.dir, "replscale.%d" % os.getpid())
    rb.W = W
    os.makedirs(W)
    src, rdst, rsdst = (os.path.join(W, d) for d in ("src", "replica", "rsync"))
    for d in (rdst, rsdst):
        os.makedirs(d)
    cache = rb.drop_caches if cold else (lambda: subprocess.run(["sync"]))
    failed = []
    try:
        t0 = time.time()
        tree = Tree(src, a.messages, folders, a.attach_pct, a.seed)
        tree.generate()
        gen = time.time() - t0
        ndirs = sum(1 for _ in os.walk(src))
        print("tree: %d messages in %d folders (%d directories), %.0f MB, generated in %.1f s "
              "(seed %d, digest %s); on %s; page cache %s" %
              (a.messages, len(tree.folders), ndirs, tree.bytes / 1e6, gen, a.seed, tree.digest(),
               rb.fs_name(src), "dropped before each timed step" if cold else "not dropped"))
        nfiles = len(tree.files)

        # 1. initial sync
        cache()
        rp = rb.rsyncd(rsdst)
        rs_init, _ = rb.rsync_once(src)
        rb.stop(rp)
        cache()
        ca, pa, pb, t1 = rb.repl_pair(src, rdst, "s")
        r = rb.repl_ctl(ca, "sync")
        rp_init = time.time() - t1
        if r.returncode:
            failed.append("initial sync: %s" % (r.stdout + r.stderr).strip())
        print("initial sync      replicate %8.2f s   rsync daemon %8.2f s   (replicate / rsync %.2f)"
              % (rp_init, rs_init, rp_init / rs_init))

        # 2. source footprint once watching
        time.sleep(0.5 if a.quick else 3)
        st = status(ca)
        rss = rss_kb(pa.pid)
        watches = inotify_watches(pa.pid)
        print("source daemon     RSS %d kB = %.0f bytes per file (%d files), inotify watches %d "
              "(status: watches=%s, %d directories); its table of the replica's files: %s files "
              "in %s bytes" %
              (rss, rss * 1024.0 / nfiles, nfiles, watches, st.get("watches"), ndirs,
               st.get("known", "?"), st.get("known_bytes", "?")))

        # 3. catch-up after the replica was down
        rb.stop(pb)
        nn, nr, nd = a.messages // 10, a.messages // 10, a.messages // 40
        t1 = time.time()
        newfiles = tree.changes(nn, nr, nd)
        newbytes = sum(tree.files[r] for r in newfiles)
        print("changes           %d new, %d flag renames, %d deletes while the replica was down "
              "(%.1f s)" % (nn, nr, nd, time.time() - t1))
        time.sleep(0.5 if a.quick else 5)     # the source reads its inotify events
        cache()
        cb = os.path.join(W, "sb", "conf")
        cpu_a = cpu_s(pa.pid)
        perf = None
        if a.perf:      # the source's CPU profile over the catch-up
            perf = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-g", "-o",
                                     a.perf, "-p", str(pa.pid)], stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        t1 = time.time()
        pb = rb.start([rb.BIN, "-c", cb], os.path.join(W, "sb2.log"))
        r = rb.repl_ctl(ca, "sync")
        rp_catch = time.time() - t1
        if perf:
            perf.send_signal(2)
            perf.wait()
        cpu_a, cpu_b = cpu_s(pa.pid) - cpu_a, cpu_s(pb.pid)
        catch_note = ""
        if r.returncode:
            failed.append("catch-up sync: %s" % (r.stdout + r.stderr).strip())
            catch_note = " (NOT converged: sync exit %d)" % r.returncode
        cache()
        rp = rb.rsyncd(rsdst)
        rs_catch, _ = rb.rsync_once(src)
        rb.stop(rp)
        # the floor: the new files' bytes read cold and written to another
        # directory on the same disk, one sync at the end (tar pipe); any
        # replicator that moves these bytes durably pays at least this
        floordir = os.path.join(W, "floor")
        os.makedirs(floordir)
        lst = os.path.join(W, "floor.list")
        with open(lst, "w") as f:
            f.write("".join(r + "\n" for r in newfiles))
        cache()
        t2 = time.time()
        subprocess.run("tar -C %s -cf - --files-from %s | tar -C %s -xf - && sync"
                       % (src, lst, floordir), shell=True, check=True)
        floor = time.time() - t2
        shutil.rmtree(floordir, ignore_errors=True)
        print("catch-up          replicate %8.2f s%s   rsync -a --delete %8.2f s   (rsync / replicate %.2f, "
              "target >= 5)" % (rp_catch, catch_note, rs_catch, rs_catch / rp_catch))
        print("catch-up floor    %d new files, %.0f MB: read cold + written + one sync (tar pipe) "
              "%.2f s   (replicate / floor %.2f; rsync / floor %.2f = the most any replicator "
              "moving these bytes could beat rsync by)" %
              (len(newfiles), newbytes / 1e6, floor, rp_catch / floor, rs_catch / floor))
        print("catch-up CPU      source %.2f s, replica %.2f s (user + system, threads included) "
              "in %.2f s" % (cpu_a, cpu_b, rp_catch))
        print("load average      %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
        # how the source planned it: from its journal, or the trees compared
        with open(os.path.join(W, "sa.log"), errors="replace") as f:
            plans = [l.split("notice: ", 1)[1].strip() for l in f if "notice: catch-up" in l]
        print("catch-up plan     %s" % (plans[-1] if plans else "? (not in the source's log)"))
        # where the time went (wall clock of the replica's start: t1)
        marks = []
        for log, keys in (("sb2.log", ("replica role", "catch-up with")),
                          ("sa.log", ("up: replica at", "notice: catch-up", "planned in"))):
            with open(os.path.join(W, log), errors="replace") as f:
                for l in f:
                    if any(k in l for k in keys):
                        marks.append(l.strip())
        for m in marks[-5:] if len(marks) > 5 else marks:
            print("                  %s" % m)
        print("                  (replica started at %s)" %
              time.strftime("%H:%M:%S", time.localtime(t1)) + (".%03d" % (t1 % 1 * 1000)))

        # 4. source startup on the tree, peer down
        rb.stop(pb)
        rb.stop(pa)
        cache()
        t1 = time.time()
        pa = rb.start([rb.BIN, "-c", ca], os.path.join(W, "sa2.log"))
        ok = rb.wait_for(lambda: int(status(ca).get("watches", "0")) >= ndirs, 600)
        rp_start = time.time() - t1
        if not ok:
            failed.append("startup: watches %s of %d" % (status(ca).get("watches"), ndirs))
        rss2 = rss_kb(pa.pid)
        cache()
        t1 = time.time()
        subprocess.run("find %s -printf '%%i %%n %%m %%U %%G %%s %%T@ %%p\\n' >/dev/null" % src,
                       shell=True, check=True)
        fs_stat = time.time() - t1
        print("startup           replicate %8.2f s (RSS %d kB; until every directory is watched)   "
              "find -printf (lstat each) %8.2f s   (replicate / find %.2f, target <= 2)"
              % (rp_start, rss2, fs_stat, rp_start / fs_stat))
        rb.stop(pa)

        same_r = listing(src) == listing(rdst)
        same_s = listing(src) == listing(rsdst)
        print("copies equal to the source: replicate %s, rsync %s" % (same_r, same_s))
        if not (same_r and same_s):
            for name, d in (("replicate", rdst), ("rsync", rsdst)):
                a_, b_ = set(listing(src)), set(listing(d))
                for l in sorted(a_ - b_)[:5]:
                    print("  %s lacks: %s" % (name, l))
                for l in sorted(b_ - a_)[:5]:
                    print("  %s extra: %s" % (name, l))
            failed.append("copies differ")
        print("load average      %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
        print("\ntargets: catch-up %.2fx faster than incremental rsync (>= 5: %s); "
              "source RSS %.0f bytes/file (< 100: %s); startup %.2fx find|stat (<= 2: %s); "
              "initial sync %.2fx rsync daemon (<= 1: %s)" %
              (rs_catch / rp_catch, rs_catch / rp_catch >= 5, rss * 1024.0 / nfiles,
               rss * 1024.0 / nfiles < 100, rp_start / fs_stat, rp_start / fs_stat <= 2,
               rp_init / rs_init, rp_init <= rs_init))
    finally:
        for p in rb.procs:
            rb.stop(p)
        if a.logs:
            os.makedirs(a.logs, exist_ok=True)
            for n in os.listdir(W):
                if n.endswith(".log"):
                    shutil.copy(os.path.join(W, n), a.logs)
        shutil.rmtree(W, ignore_errors=True)
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
