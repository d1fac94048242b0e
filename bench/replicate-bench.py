#!/usr/bin/env python3
"""replicate-bench: replicate vs rsync (daemon and ssh, loopback) vs lsyncd.

Run from the top of an in-tree build:  python3 bench/replicate-bench.py
Env: BENCH_MSGS (20000), BENCH_SECS (5, per lag run), BENCH_TRIALS (5,
initial-sync trials of each tool in each setting), BENCH_DIR (/var/tmp),
BENCH_FS (both: loop and dir; or one of them), BENCH_ONLY=init (initial
sync only) or lag (replicate's lag runs only, in the first setting of
BENCH_FS, BENCH_TRIALS times each rate: the replica's cost per group
commit; REPLICATE_BIN=A:B alternates two binaries), BENCH_SSH=0 (no rsync over ssh), BENCH_NETNS=0 (stay in
the caller's network namespace; by default the bench re-executes itself
in a private one, so its fixed ports on 127.0.0.1 cannot reach another
run's daemons).
Measures, in one run:
  1. initial sync of BENCH_MSGS Maildir messages: time and bytes
     (replicate: TLS payload bytes sent; rsync: "Total bytes sent"+received),
     BENCH_TRIALS times each, alternating, medians compared; rsync runs
     over its daemon (plaintext) and, when sshd is installed, over ssh to
     a private sshd on 127.0.0.1 (encrypted like replicate's TLS; with
     ssh's default cipher and with aes128-gcm)
  2. lag per delivered message (write in tmp/, rename to new/ on the
     source until the name appears in new/ on the replica, via inotify)
     at 50/s and 500/s, every 5th delivery followed by a flag rename and
     every 10th by an expunge: replicate, lsyncd default, lsyncd delay 0
  3. bytes for a one-line change in a 50 MB file: replicate vs rsync
The initial sync is measured in two settings, reported side by side:
- loop: every receiving tree lives on a fresh ext4 file system (mkfs
  defaults, so with a journal, as a mail server's would be) on a loop
  device over a file in BENCH_DIR, with direct I/O so that what is synced
  reaches the disk: each trial starts from the same allocator state (a
  file system that has just deleted a few GB is much slower to allocate
  in, for every tool);
- dir: the ordinary file system: source and replica are plain directories
  in BENCH_DIR on the machine's normal disk, the previous trial's replica
  is deleted and the page cache dropped (sync; echo 3 >
  /proc/sys/vm/drop_caches) before each trial, so every tool reads the
  source from the disk.
The lag and delta runs use the first setting.
Prints figures and ratios.  Everything runs on 127.0.0.1 under BENCH_DIR;
all processes started here are stopped by PID, and the file system and
loop device are removed, at the end.
"""
import ctypes, os, random, shutil, signal, statistics, struct, subprocess, sys, threading, time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.environ.get("REPLICATE_BIN", os.path.join(TOP, "replicate", "replicate"))
N = int(os.environ.get("BENCH_MSGS", "20000"))
SECS = float(os.environ.get("BENCH_SECS", "5"))
W = os.path.join(os.environ.get("BENCH_DIR", "/var/tmp"), "replbench.%d" % os.getpid())
TRIALS = int(os.environ.get("BENCH_TRIALS", "5"))
SETTINGS = {"both": ["loop", "dir"]}.get(os.environ.get("BENCH_FS", "both"),
                                         [os.environ.get("BENCH_FS", "both")])
ONLY = os.environ.get("BENCH_ONLY", "")
FS = {"mode": SETTINGS[0], "dev": None, "mnt": None}
PORT_R, PORT_A, PORT_B, PORT_S = 17890, 17891, 17892, 17893
procs = []


def start(args, log):
    p = subprocess.Popen(args, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    procs.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wait_for(cond, secs):
    end = time.time() + secs
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def trees_equal(a, b):
    r = subprocess.run(["diff", "-rq", "-x", ".replicate.tmp", a, b],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return r.returncode == 0


def fresh_fs():
    """An empty receiving file system: a new ext4 on the loop device (made
    on first use), or a new directory under W with BENCH_FS=dir."""
    if FS["mode"] == "loop" and FS["dev"] is None:
        img = os.path.join(W, "fs.img")
        with open(img, "wb") as f:
            f.truncate(6 << 30)
        r = subprocess.run(["losetup", "--direct-io=on", "-f", "--show", img],
                           capture_output=True, text=True)
        if r.returncode:
            print("note: no loop device (%s): trees go to %s" % (r.stderr.strip(), W))
            FS["mode"] = "dir"
        else:
            FS["dev"] = r.stdout.strip()
            FS["mnt"] = os.path.join(W, "fs")
            os.makedirs(FS["mnt"])
    if FS["mode"] != "loop":
        d = os.path.join(W, "tree.%d" % time.monotonic_ns())
        os.makedirs(d)
        return d
    # a daemon's last child (rsync's per-connection process) may still
    # hold the mount for a moment after its parent stopped: retry
    for _ in range(50):
        subprocess.run(["umount", FS["mnt"]], stderr=subprocess.DEVNULL)
        if not os.path.ismount(FS["mnt"]):
            break
        time.sleep(0.2)
    r = subprocess.run(["mkfs.ext4", "-q", "-F", "-E",
                        "nodiscard,lazy_itable_init=0,lazy_journal_init=0", FS["dev"]])
    if r.returncode:
        # a mount namespace made meanwhile (ip netns exec, unshare: other
        # tests on this machine) keeps a copy of the mount and the device
        sys.exit("%s still in use after umount (a copy of the mount in another "
                 "mount namespace?): run with BENCH_FS=dir" % FS["dev"])
    subprocess.run(["mount", FS["dev"], FS["mnt"]], check=True)
    return FS["mnt"]


def drop_caches():
    """Writes back dirty pages and empties the page cache (and dentries,
    inodes), so the next run reads from the disk."""
    subprocess.run(["sync"])
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def fs_cleanup():
    if FS["dev"]:
        subprocess.run(["umount", FS["mnt"]], stderr=subprocess.DEVNULL)
        subprocess.run(["losetup", "-d", FS["dev"]])
        FS["dev"] = None


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def make_corpus(root, n, rng):
    users = max(1, n // 500)
    total = 0
    for i in range(n):
        md = os.path.join(root, "example.com", "user%03d" % (i % users), "Maildir")
        if i < users:
            for s in ("tmp", "new", "cur"):
                os.makedirs(os.path.join(md, s), exist_ok=True)
        size = rng.randint(2000, 60000)
        body = os.urandom(size * 3 // 4).hex()[:size]
        name = "%d.M%dP%d.bench" % (1700000000 + i, i, os.getpid())
        sub = "cur" if i % 3 else "new"
        with open(os.path.join(md, sub, name + (":2,S" if sub == "cur" else "")), "w") as f:
            f.write("From: a@example.com\nSubject: %d\n\n%s\n" % (i, body))
        total += size
    return total


# ---- replicate --------------------------------------------------------------

def repl_conf(name, root, key, listen, peer, role, extra=""):
    d = os.path.join(W, name)
    os.makedirs(os.path.join(d, "state"), exist_ok=True)
    conf = os.path.join(d, "conf")
    with open(conf, "w") as f:
        f.write("root mail %s\nlisten 127.0.0.1 %d\npeer 127.0.0.1 %d\nkeyfile %s\n"
                "role %s\nstatedir %s/state\ncontrol %s/state/ctl\nlogfacility none\n%s" %
                (root, listen, peer, key, role, d, d, extra))
    return conf


def repl_ctl(conf, *args):
    return subprocess.run([BIN, "-c", conf, "-w", "600"] + list(args),
                          capture_output=True, text=True)


def repl_pair(src, dst, tag, port_off=0):
    key = os.path.join(W, "key")
    if not os.path.exists(key):
        with open(key, "w") as f:
            f.write(os.urandom(32).hex())
    os.chmod(key, 0o600)    # replicate refuses a key others can read
    a, b = PORT_A + port_off, PORT_B + port_off
    cb = repl_conf(tag + "b", dst, key, b, a, "replica")
    ca = repl_conf(tag + "a", src, key, a, b, "source")
    pb = start([BIN, "-c", cb], os.path.join(W, tag + "b.log"))
    wait_for(lambda: os.path.exists(os.path.join(W, tag + "b", "state", "ctl")), 5)
    t0 = time.time()
    pa = start([BIN, "-c", ca], os.path.join(W, tag + "a.log"))
    wait_for(lambda: os.path.exists(os.path.join(W, tag + "a", "state", "ctl")), 5)
    return ca, pa, pb, t0


def repl_bytes(conf):
    """bytes_out from the daemon's status; -1 (and what it said, and the
    end of its log) when it does not answer."""
    r = repl_ctl(conf, "status")
    if "bytes_out=" not in r.stdout:
        log = os.path.join(os.path.dirname(conf) + ".log")
        print("  status failed (exit %d): %s" % (r.returncode, (r.stdout + r.stderr).strip()))
        if os.path.exists(log):
            print("  " + "  ".join(open(log).readlines()[-8:]))
        return -1
    return int(r.stdout.split("bytes_out=")[1].split()[0])


# ---- rsync daemon -------------------------------------------------------------

def rsyncd(dst):
    conf = os.path.join(W, "rsyncd.conf")
    with open(conf, "w") as f:
        f.write("use chroot = no\nuid = root\ngid = root\n[mod]\npath = %s\nread only = no\n" % dst)
    p = start(["rsync", "--daemon", "--no-detach", "--port", str(PORT_R), "--address",
               "127.0.0.1", "--config", conf], os.path.join(W, "rsyncd.log"))
    time.sleep(0.5)
    return p


def rsync_once(src, extra=(), dest=None):
    t0 = time.time()
    r = subprocess.run(["rsync", "-a", "--delete", "--stats"] + list(extra) +
                       [src + "/", dest or "rsync://127.0.0.1:%d/mod/" % PORT_R],
                       capture_output=True, text=True)
    dt = time.time() - t0
    sent = recv = 0
    for line in r.stdout.splitlines():
        if line.startswith("Total bytes sent:"):
            sent = int(line.split(":")[1].replace(",", ""))
        if line.startswith("Total bytes received:"):
            recv = int(line.split(":")[1].replace(",", ""))
    if r.returncode:
        sys.exit("rsync failed: " + r.stderr)
    return dt, sent + recv


# ---- rsync over ssh: a private sshd on 127.0.0.1 ----------------------------

def sshd_start():
    """sshd on PORT_S with its own host key, root by key only; returns the
    ssh command for rsync -e (without cipher), or None without sshd."""
    sshd = shutil.which("sshd") or ("/usr/sbin/sshd" if os.path.exists("/usr/sbin/sshd") else None)
    if not sshd or not shutil.which("ssh"):
        print("note: no sshd (apt-get install openssh-server): rsync over ssh skipped")
        return None
    d = os.path.join(W, "ssh")
    os.makedirs(d)
    for k in ("host", "client"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                        os.path.join(d, k)], check=True)
    shutil.copy(os.path.join(d, "client.pub"), os.path.join(d, "authorized_keys"))
    conf = os.path.join(d, "sshd_config")
    with open(conf, "w") as f:
        f.write("Port %d\nListenAddress 127.0.0.1\nHostKey %s/host\n"
                "AuthorizedKeysFile %s/authorized_keys\nPermitRootLogin prohibit-password\n"
                "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
                "StrictModes no\nPidFile %s/sshd.pid\n" % (PORT_S, d, d, d))
    os.makedirs("/run/sshd", exist_ok=True)
    start([sshd, "-D", "-e", "-f", conf], os.path.join(d, "sshd.log"))
    ssh = "ssh -p %d -i %s/client -o BatchMode=yes -o StrictHostKeyChecking=no " \
          "-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR" % (PORT_S, d)
    if not wait_for(lambda: subprocess.run(ssh.split() + ["root@127.0.0.1", "true"],
                                           capture_output=True).returncode == 0, 5):
        print("note: private sshd did not answer: rsync over ssh skipped")
        return None
    return ssh


# ---- lag ------------------------------------------------------------------

libc = ctypes.CDLL(None, use_errno=True)


class Watcher(threading.Thread):
    """Records when each name appears in dir (IN_MOVED_TO / IN_CREATE)."""

    def __init__(self, d):
        super().__init__(daemon=True)
        self.fd = libc.inotify_init()
        libc.inotify_add_watch(self.fd, d.encode(), 0x80 | 0x100)
        self.seen = {}
        self.stop = False

    def run(self):
        while not self.stop:
            buf = os.read(self.fd, 65536)
            now = time.monotonic()
            off = 0
            while off < len(buf):
                wd, mask, cookie, ln = struct.unpack_from("iIII", buf, off)
                name = buf[off + 16:off + 16 + ln].rstrip(b"\0").decode()
                off += 16 + ln
                self.seen.setdefault(name, now)


def lag_run(kind, rate, secs, rng):
    tag = "%s%d" % (kind, rate)
    src = os.path.join(W, tag, "src")
    dst = os.path.join(fresh_fs(), tag, "dst")
    md_rel = "example.com/lag/Maildir"
    for r in (src, dst):
        for s in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(r, md_rel, s))
    stoppers = []
    if kind == "replicate":
        ca, pa, pb, _ = repl_pair(src, dst, tag)
        repl_ctl(ca, "sync")
        stoppers = [pa, pb]
    else:
        rp = rsyncd(dst)
        lconf = os.path.join(W, tag + ".lua")
        delay = "" if kind == "lsyncd" else "delay = 0,"
        with open(lconf, "w") as f:
            f.write('settings { nodaemon = true, logfile = "%s/%s.lsyncd.log" }\n'
                    'sync { default.rsync, source = "%s", '
                    'target = "rsync://127.0.0.1:%d/mod/", %s }\n'
                    % (W, tag, src, PORT_R, delay))
        lp = start(["lsyncd", lconf], os.path.join(W, tag + ".lsyncd.out"))
        time.sleep(2)  # initial (empty) rsync
        stoppers = [lp, rp]
    w = Watcher(os.path.join(dst, md_rel, "new"))
    w.start()
    sent = {}
    md = os.path.join(src, md_rel)
    n = int(rate * secs)
    t0 = time.monotonic()
    delivered = []
    for i in range(n):
        target = t0 + i / rate
        d = target - time.monotonic()
        if d > 0:
            time.sleep(d)
        name = "%d.M%d.lag%d" % (1800000000 + i, i, rate)
        with open(os.path.join(md, "tmp", name), "w") as f:
            f.write("Subject: %d\n\n%s\n" % (i, "x" * rng.randint(500, 8000)))
        os.rename(os.path.join(md, "tmp", name), os.path.join(md, "new", name))
        sent[name] = time.monotonic()
        delivered.append(name)
        if i % 5 == 4 and len(delivered) > 20:   # flag change of an older message
            old = delivered.pop(0)
            os.rename(os.path.join(md, "new", old), os.path.join(md, "cur", old + ":2,S"))
        if i % 10 == 9 and len(delivered) > 20:  # expunge
            old = delivered.pop(0)
            os.unlink(os.path.join(md, "new", old))
    # wait for convergence (lsyncd's default delay is 15 s)
    ok = wait_for(lambda: all(k in w.seen for k in sent) and trees_equal(src, dst), 60)
    w.stop = True
    lags = sorted((w.seen[k] - t) * 1000 for k, t in sent.items() if k in w.seen)
    for p in stoppers:
        stop(p)
    shutil.rmtree(os.path.join(W, tag), ignore_errors=True)
    shutil.rmtree(os.path.dirname(dst), ignore_errors=True)
    if not lags:
        return None
    pct = lambda q: lags[min(len(lags) - 1, int(q * len(lags)))]
    return dict(n=n, got=len(lags), p50=pct(0.5), p99=pct(0.99), max=lags[-1], same=ok)


def fs_name(path):
    """'ext4 on /dev/vda (/var/tmp)': the file system holding path."""
    r = subprocess.run(["df", "--output=fstype,source", path], capture_output=True, text=True)
    f = r.stdout.split("\n")[1].split() if r.returncode == 0 else ["?", "?"]
    return "%s on %s (%s)" % (f[0], f[1], os.path.dirname(path))


def initial_trials(corpus, sshv):
    """TRIALS initial syncs of each tool into fresh trees of the current
    setting (FS["mode"]), alternating; returns the medians (and the last
    replicate pair, still running, for the delta run)."""
    res = {}
    t_rs, t_rss, t_rp = [], [], []
    t_ssh = {k: [] for k, _ in sshv}
    mode = FS["mode"]

    def fresh():
        # dir: the previous trial's tree goes first, then the cache
        if FS["mode"] == "dir":
            for e in os.listdir(W):
                if e.startswith("tree."):
                    shutil.rmtree(os.path.join(W, e), ignore_errors=True)
        d = fresh_fs()
        if FS["mode"] == "dir":
            drop_caches()
        return d
    print("== initial sync, setting %s" % mode)
    for trial in range(TRIALS):
        dst = os.path.join(fresh(), "dst-rsync")
        os.makedirs(dst)
        rp = rsyncd(dst)
        dt, by = rsync_once(corpus)
        t1 = time.time()
        subprocess.run(["sync"])
        dts = dt + time.time() - t1
        stop(rp)
        t_rs.append(dt)
        t_rss.append(dts)
        res["rsync_init"] = (dt, by)
        print("initial  rsync daemon   %7.2f s %12d bytes  (+ sync: %.2f s)" % (dt, by, dts))
        for k, cmd in sshv:
            dst = os.path.join(fresh(), "dst-rsync")
            os.makedirs(dst)
            dt, by = rsync_once(corpus, ("-e", cmd), "root@127.0.0.1:%s/" % dst)
            t_ssh[k].append(dt)
            res["rsync_" + k] = (dt, by)
            print("initial  rsync %-8s %7.2f s %12d bytes" % (k, dt, by))
        dst = os.path.join(fresh(), "dst-repl")
        os.makedirs(dst)
        # the first setting's last pair stays up for the delta run: the
        # next setting's pairs take other ports (they could not listen)
        ca, pa, pb, t0 = repl_pair(corpus, dst, "init%s%d" % (mode, trial),
                                   10 * SETTINGS.index(mode) if mode in SETTINGS else 0)
        r = repl_ctl(ca, "sync")
        dt = time.time() - t0
        by = repl_bytes(ca)
        same = trees_equal(corpus, dst)
        t_rp.append(dt)
        res["repl_init"] = (dt, by)
        print("initial  replicate      %7.2f s %12d bytes  (trees equal: %s, sync: %s)"
              % (dt, by, same, r.stdout.strip()))
        if trial < TRIALS - 1:
            stop(pa)
            stop(pb)
    res["rsync_init"] = (median(t_rs), res["rsync_init"][1])
    res["repl_init"] = (median(t_rp), res["repl_init"][1])
    res["rsync_sync"] = median(t_rss)
    for k, _ in sshv:
        res["rsync_" + k] = (median(t_ssh[k]), res["rsync_" + k][1])
    print("initial  medians of %d: rsync %.2f s, rsync + sync %.2f s, %sreplicate %.2f s "
          "(replicate fsyncs before it acknowledges)" %
          (TRIALS, res["rsync_init"][0], res["rsync_sync"],
           "".join("rsync %s %.2f s, " % (k, res["rsync_" + k][0]) for k, _ in sshv),
           res["repl_init"][0]))
    if mode == SETTINGS[0]:
        res["dst"], res["pair"] = dst, (ca, pa, pb)
    else:
        stop(pa)
        stop(pb)
    return res


def own_netns():
    """Re-executes this script in a network namespace of its own (with only
    lo, up): its fixed ports on 127.0.0.1 then cannot meet another run's
    (or another user's) rsync or replicate daemons.  And in a private mount
    namespace: the loop file system's mount is then not copied into the
    mount namespaces other programs create meanwhile (ip netns exec does),
    which would keep the device busy and make the next mkfs refuse it.
    Returns when already there; BENCH_NETNS=0 keeps the caller's
    namespaces."""
    if os.environ.get("BENCH_NETNS", "1") == "0" or os.environ.get("BENCH_IN_NETNS"):
        return
    os.environ["BENCH_IN_NETNS"] = "1"
    sys.stdout.flush()
    os.execvp("unshare", ["unshare", "-n", "-m", "--propagation", "private", "sh", "-c", 'ip link set lo up && exec "$@"', "sh",
                          sys.executable] + sys.argv)


def teardown():
    """Stops what this run started (by PID) and removes its files."""
    for p in procs:
        stop(p)
    fs_cleanup()
    shutil.rmtree(W, ignore_errors=True)


def lag_only(rng):
    """Replicate's lag runs alone: TRIALS times each rate (and each of
    REPLICATE_BIN's binaries, alternating); medians."""
    global BIN
    bins = os.environ.get("REPLICATE_BIN", BIN).split(":")
    FS["mode"] = SETTINGS[0]
    print("lag only: setting %s, %d trials of %.0f s per rate and binary"
          % (SETTINGS[0], TRIALS, SECS))
    res = {}
    try:
        for t in range(TRIALS):
            for rate in (50, 500):
                for b in bins:
                    BIN = b
                    r = lag_run("replicate", rate, SECS, rng)
                    res.setdefault((b, rate), []).append(r)
                    if r:
                        print("lag %-40s %3d/s: %d msgs, p50 %8.1f ms  p99 %8.1f ms  "
                              "max %8.1f ms  converged %s  (load %s)"
                              % (b, rate, r["n"], r["p50"], r["p99"], r["max"], r["same"],
                                 open("/proc/loadavg").read().split()[0]), flush=True)
        print("\nmedians of %d trials:" % TRIALS)
        for (b, rate), rs in sorted(res.items(), key=lambda kv: (kv[0][1], bins.index(kv[0][0]))):
            rs = [r for r in rs if r]
            med = lambda k: statistics.median(r[k] for r in rs)
            print("  %-40s %3d/s: p50 %7.1f ms  p99 %7.1f ms  max %7.1f ms"
                  % (b, rate, med("p50"), med("p99"), med("max")))
    finally:
        teardown()
    return 0


def main():
    if os.geteuid() != 0:
        print("SKIP: run as root (rsync daemon uid)")
        return 77
    own_netns()
    for b in ("rsync", "lsyncd"):
        if not shutil.which(b):
            print("SKIP: %s not installed (apt-get install rsync lsyncd)" % b)
            return 77
    os.makedirs(W)
    rng = random.Random(1)
    res = {}
    if ONLY == "lag":
        return lag_only(rng)
    try:
        # 1. initial sync, TRIALS times each tool, alternating
        corpus = os.path.join(W, "corpus")
        total = make_corpus(corpus, N, rng)
        subprocess.run(["sync"])
        print("corpus: %d messages, %.0f MB in %s; settings: %s" %
              (N, total / 1e6, fs_name(corpus), " and ".join(SETTINGS)))
        ssh = sshd_start() if os.environ.get("BENCH_SSH", "1") != "0" else None
        sshv = [] if not ssh else [("ssh", ssh), ("ssh-aes", ssh + " -c aes128-gcm@openssh.com")]
        setting = {}
        for mode in SETTINGS:
            FS["mode"] = mode
            setting[mode] = initial_trials(corpus, sshv)
            if FS["mode"] != mode:      # no loop device: it fell back to dir
                setting[FS["mode"]] = setting.pop(mode)
                break
        FS["mode"] = SETTINGS[0] if SETTINGS[0] in setting else "dir"
        res = dict(setting[FS["mode"]])
        print("\ninitial sync, medians of %d (s; replicate / peer in brackets):" % TRIALS)
        print("  %-44s %s" % ("setting", "  ".join("%-22s" % k for k in
              ["rsync daemon", "rsync + sync"] + ["rsync " + k for k, _ in sshv] + ["replicate"])))
        for mode, r in setting.items():
            ri = r["repl_init"][0]
            cols = ["%6.2f (%.2f)" % (r["rsync_init"][0], ri / r["rsync_init"][0]),
                    "%6.2f (%.2f)" % (r["rsync_sync"], ri / r["rsync_sync"])]
            cols += ["%6.2f (%.2f)" % (r["rsync_" + k][0], ri / r["rsync_" + k][0]) for k, _ in sshv]
            cols.append("%6.2f" % ri)
            print("  %-44s %s" % ({"loop": "fresh ext4 on a loop device (direct I/O)",
                                   "dir": "plain directories on %s, cache dropped" %
                                   fs_name(W)}[mode], "  ".join("%-22s" % c for c in cols)))
        if ONLY == "init":
            return 0
        dst = res.pop("dst")
        ca, pa, pb = res.pop("pair")
        # 3. one-line change in a 50 MB file (same pair, then rsync)
        big = os.path.join(corpus, "big.txt")
        with open(big, "w") as f:
            for i in range(700000):
                f.write("line %08d %064x\n" % (i, rng.getrandbits(256)))
        repl_ctl(ca, "sync")
        b0 = repl_bytes(ca)
        subprocess.run(["sed", "-i", "s/^line 00350000 .*/line 00350000 CHANGED/", big])
        repl_ctl(ca, "sync")
        dbytes = repl_bytes(ca) - b0
        stop(pa)
        stop(pb)
        same_d = trees_equal(corpus, dst)
        rdst = os.path.join(W, "dst-rsync")
        os.makedirs(rdst)
        rp = rsyncd(rdst)
        # bring rsync's copy to the pre-change file, then measure the change
        subprocess.run(["sed", "-i", "s/^line 00350000 .*/line 00350000 CHANGED AGAIN/", big])
        rsync_once(corpus)
        subprocess.run(["sed", "-i", "s/^line 00350000 .*/line 00350000 CHANGED/", big])
        _, rbytes = rsync_once(corpus)
        stop(rp)
        print("delta    replicate %d bytes (trees equal: %s), "
              "rsync %d bytes for a one-line change in %d bytes"
              % (dbytes, same_d, rbytes, os.path.getsize(big)))
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.rmtree(os.path.join(W, "dst-rsync"), ignore_errors=True)
        shutil.rmtree(os.path.join(W, "dst-repl"), ignore_errors=True)
        # 2. lag
        lag = {}
        for rate in (50, 500):
            for kind in ("replicate", "lsyncd0", "lsyncd"):
                r = lag_run(kind, rate, SECS, rng)
                lag[(kind, rate)] = r
                if r:
                    print("lag %-10s %3d/s: %d msgs, p50 %8.1f ms  p99 %8.1f ms  "
                          "max %8.1f ms  converged %s"
                          % (kind, rate, r["n"], r["p50"], r["p99"], r["max"], r["same"]))
                else:
                    print("lag %-10s %3d/s: nothing arrived" % (kind, rate))
        print("\nratios (replicate / peer; < 1 is better for replicate)")
        ri, rr = res["repl_init"], res["rsync_init"]
        print("  initial sync time  vs rsync: %.2f   bytes: %.2f   time vs rsync+sync: %.2f"
              % (ri[0] / rr[0], ri[1] / rr[1], ri[0] / res["rsync_sync"]))
        for k, _ in sshv:
            print("  initial sync time  vs rsync over %-7s: %.2f"
                  % (k, ri[0] / res["rsync_" + k][0]))
        print("  one-line delta bytes vs rsync: %.2f" % (dbytes / max(1, rbytes)))
        for rate in (50, 500):
            me = lag[("replicate", rate)]
            for peer in ("lsyncd0", "lsyncd"):
                o = lag[(peer, rate)]
                if me and o:
                    print("  lag p50/p99 at %d/s vs %-8s: %.3f / %.3f" %
                          (rate, peer, me["p50"] / o["p50"], me["p99"] / o["p99"]))
        me = lag[("replicate", 500)]
        if me:
            print("targets at 500/s: p50 %.1f ms (<= 10: %s), p99 %.1f ms (<= 50: %s); "
                  "initial sync %s rsync daemon%s; delta bytes %s rsync" %
                  (me["p50"], me["p50"] <= 10, me["p99"], me["p99"] <= 50,
                   "<=" if ri[0] <= rr[0] else ">",
                   "".join(", %s rsync %s" % ("<=" if ri[0] <= res["rsync_" + k][0] else ">", k)
                           for k, _ in sshv),
                   "<=" if dbytes <= rbytes else ">"))
    finally:
        teardown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
