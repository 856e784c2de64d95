#!/usr/bin/env python3
# Usage (from the module root): python3 testdata/hosts/generate.py testdata/hosts
# Regenerates every scenario below; edit here, not the generated files.
# Writes testdata/hosts/{v1-docker,v2-k8s,v2-kubelet,v2-crio,v2-k8s-limits,v1-cgroupfs}: files as the kernel,
# dockerd, containerd, CRI-O, runc and the kubelet write them, plus links.txt (symlinks and empty
# directories, created at test time).
import calendar, hashlib, json, os, shutil, sys, time

OUT = sys.argv[1]
HOST = dict(cgroup=4026531835, ipc=4026531839, mnt=4026531841, net=4026531840,
            pid=4026531836, time=4026531834, user=4026531837, uts=4026531838)
TYPES = ["cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"]
USERFLAGS = 4194560     # 0x400100, an ordinary user-space process
KTHREAD = 2129984       # 0x208040, includes PF_KTHREAD 0x00200000

V1_CTRLS = ["name=systemd", "pids", "blkio", "freezer", "devices", "memory", "cpuset", "cpuacct", "cpu"]

def v1_cgroup(path, systemd_path=None):
    lines = []
    for i, c in zip(range(9, 0, -1), V1_CTRLS):
        p = path
        if c == "name=systemd" and systemd_path:
            p = systemd_path
        lines.append(f"{i}:{c}:{p}")
    lines.append(f"0::{systemd_path or path}")
    return "\n".join(lines) + "\n"

def stat_line(pid, comm, state, ppid, flags, start, threads=1, vsize=0, rss=0, pgrp=None, session=None):
    kernel = flags & 0x00200000
    pgrp = pgrp if pgrp is not None else (0 if kernel else pid)
    session = session if session is not None else (0 if kernel else pid)
    f = [str(pid), f"({comm})", state, str(ppid), str(pgrp), str(session), "0", "-1", str(flags),
         "1520", "0", "12", "0", "37", "21", "0", "0", "20", "0", str(threads), "0", str(start),
         str(vsize), str(rss), "18446744073709551615"]
    if flags & 0x00200000:
        f += ["0"] * 27
    else:
        f += ["94352112418816", "94352113109401", "140733212672288", "0", "0", "0", "0",
              "4096", "81923", "0", "0", "0", "17", str(pid % 2), "0", "0", "0", "0", "0",
              "94352113233488", "94352113301896", "94352141836288", "140733212680011",
              "140733212680043", "140733212680043", "140733212684264", "0"]
    assert len(f) == 52, len(f)
    return " ".join(f) + "\n"

def status_text(pid, name, state, ppid, uid, gid, nspids, threads=1):
    ns = "\t".join(str(p) for p in nspids)
    return (f"Name:\t{name}\nUmask:\t0022\nState:\t{state}\nTgid:\t{pid}\nNgid:\t0\nPid:\t{pid}\n"
            f"PPid:\t{ppid}\nTracerPid:\t0\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\nGid:\t{gid}\t{gid}\t{gid}\t{gid}\n"
            f"FDSize:\t64\nGroups:\t \nNStgid:\t{ns}\nNSpid:\t{ns}\nNSpgid:\t{ns}\nNSsid:\t{ns}\n"
            f"Threads:\t{threads}\nSigQ:\t0/95860\nCapEff:\t{'000001ffffffffff' if uid == 0 else '0000000000000000'}\n"
            f"Seccomp:\t0\nSeccomp_filters:\t0\nNoNewPrivs:\t0\n")

class Scenario:
    def __init__(self, name):
        self.root = os.path.join(OUT, name)
        shutil.rmtree(self.root, ignore_errors=True)
        os.makedirs(self.root)
        self.links = []

    def write(self, rel, data, mode=0o644):
        p = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(data)

    def link(self, rel, target):
        self.links.append(f"{rel} {target}")

    def emptydir(self, rel):
        self.links.append(rel.rstrip("/") + "/")

    def proc(self, pid, comm, ppid, ns, cgroup, cmdline, mountinfo, start, uid=0, gid=0,
             kernel=False, fds=None, nspids=None, uidmap="         0          0 4294967295\n",
             state="S (sleeping)", threads=None, name=None):
        d = f"proc/{pid}"
        flags = KTHREAD if kernel else USERFLAGS
        tids = threads or [pid]
        self.write(f"{d}/stat", stat_line(pid, comm, state[0], ppid, flags, start, threads=len(tids),
                                          vsize=0 if kernel else 23851008, rss=0 if kernel else 1811))
        self.write(f"{d}/status", status_text(pid, name or comm, state, ppid, uid, gid, nspids or [pid], len(tids)))
        self.write(f"{d}/cgroup", cgroup)
        self.write(f"{d}/cmdline", "" if kernel else "\0".join(cmdline) + "\0")
        self.write(f"{d}/mountinfo", mountinfo)
        self.write(f"{d}/uid_map", uidmap)
        self.write(f"{d}/gid_map", uidmap)
        for t in TYPES:
            self.link(f"{d}/ns/{t}", f"{t}:[{ns[t]}]")
        for tid in tids:
            for t in TYPES:
                self.link(f"{d}/task/{tid}/ns/{t}", f"{t}:[{ns[t]}]")
        if kernel or not fds:
            self.emptydir(f"{d}/fd")
        else:
            for fd, target in sorted(fds.items()):
                self.link(f"{d}/fd/{fd}", target)

    def docker_config(self, cid, name, running, pid, started, finished, cmd, image, exit_code=0, sandbox_key=""):
        cfg = {
            "StreamConfig": {},
            "State": {"Running": running, "Paused": False, "Restarting": False, "OOMKilled": False,
                      "RemovalInProgress": False, "Dead": False, "Pid": pid if running else 0,
                      "ExitCode": exit_code, "Error": "", "StartedAt": started, "FinishedAt": finished,
                      "Health": None},
            "ID": cid, "Created": started, "Managed": False, "Path": cmd[0], "Args": cmd[1:],
            "Config": {"Hostname": cid[:12], "Domainname": "", "User": "", "AttachStdin": False,
                       "AttachStdout": False, "AttachStderr": False, "Tty": False, "OpenStdin": False,
                       "StdinOnce": False, "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                       "Cmd": cmd, "Image": image, "Volumes": None, "WorkingDir": "", "Entrypoint": None,
                       "OnBuild": None, "Labels": {}},
            "Image": "sha256:cd5b39491f7f3e0decb6f69fd6ba649c0d1f53746ce7ac30a8e1060fe700eef8",
            "NetworkSettings": {"Bridge": "", "SandboxID": "", "HairpinMode": False, "LinkLocalIPv6Address": "",
                                "LinkLocalIPv6PrefixLen": 0, "Networks": {}, "Service": None, "Ports": {},
                                "SandboxKey": sandbox_key, "SecondaryIPAddresses": None,
                                "SecondaryIPv6Addresses": None, "IsAnonymousEndpoint": False,
                                "HasSwarmEndpoint": False},
            "LogPath": f"/var/lib/docker/containers/{cid}/{cid}-json.log",
            "Name": "/" + name, "Driver": "overlay2", "OS": "linux", "MountLabel": "", "ProcessLabel": "",
            "RestartCount": 0, "HasBeenStartedBefore": True, "HasBeenManuallyStopped": not running,
            "MountPoints": {}, "SecretReferences": None, "ConfigReferences": None, "AppArmorProfile": "docker-default",
            "HostnamePath": f"/var/lib/docker/containers/{cid}/hostname",
            "HostsPath": f"/var/lib/docker/containers/{cid}/hosts", "ShmPath": f"/var/lib/docker/containers/{cid}/mounts/shm",
            "ResolvConfPath": f"/var/lib/docker/containers/{cid}/resolv.conf", "SeccompProfile": "",
            "NoNewPrivileges": False, "LocalLogCacheMeta": {"HaveNotifyEnabled": False},
        }
        # dockerd writes config.v2.json as one line, without a trailing newline.
        self.write(f"var/lib/docker/containers/{cid}/config.v2.json", json.dumps(cfg, separators=(",", ":")), 0o600)
        self.write(f"var/lib/docker/containers/{cid}/hostconfig.json", "{}")

    def finish(self, header):
        self.write("links.txt", header + "\n".join(self.links) + "\n")

def ns_with(**kw):
    d = dict(HOST)
    d.update(kw)
    return d

PASSWD = """root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
systemd-network:x:998:998:systemd Network Management:/:/usr/sbin/nologin
messagebus:x:100:107::/nonexistent:/usr/sbin/nologin
sshd:x:104:65534::/run/sshd:/usr/sbin/nologin
alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash
"""

HEADER = """# Symlinks and empty directories of this fixture host, created by
# internal/testutil.FixtureHost (Go module zips and git drop symlinks and
# empty directories). One per line: "PATH TARGET" makes PATH a symlink to
# TARGET; "PATH/" makes an empty directory. Paths are relative to this directory.
"""

# ---------------- v1-docker ----------------
def v1_docker():
    s = Scenario("v1-docker")
    s.write("etc/passwd", PASSWD)
    host_mi = """22 27 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
23 27 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
24 27 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=12334524k,nr_inodes=3083631,mode=755
25 24 0:23 / /dev/pts rw,nosuid,noexec,relatime shared:3 - devpts devpts rw,gid=5,mode=620,ptmxmode=000
26 27 0:24 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=2474528k,mode=755
27 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro
28 23 0:25 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,size=4096k,nr_inodes=1024,mode=755
29 28 0:26 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
30 28 0:27 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
33 28 0:30 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory
34 28 0:31 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,pids
412 26 0:4 net:[4026532605] /run/docker/netns/ebe2650a41c1 rw shared:190 - nsfs nsfs rw
431 26 0:4 net:[4026532705] /run/docker/netns/5d1e0c2f6a7b rw shared:201 - nsfs nsfs rw
446 26 0:4 net:[4026532655] /run/docker/netns/a41f9b3c7e20 rw shared:212 - nsfs nsfs rw
505 26 0:67 /netns /run/netns rw,nosuid,nodev,noexec,relatime shared:240 - tmpfs tmpfs rw,size=2474528k,mode=755
519 505 0:4 net:[4026532800] /run/netns/blue rw shared:241 - nsfs nsfs rw
"""
    # systemd-udevd's PrivateMounts=yes namespace: a slave copy of the host's.
    udev_mi = "\n".join(l.replace("shared:", "master:") for l in host_mi.splitlines()[:11]) + "\n"

    def ctr_mi(cid, extra=""):
        return (f"601 520 0:72 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/7QKXW3RZ4EJPNSB3Q5H2Y6WNOA,upperdir=/var/lib/docker/overlay2/{cid[:20]}/diff,workdir=/var/lib/docker/overlay2/{cid[:20]}/work\n"
                "602 601 0:75 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
                "603 601 0:76 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
                "607 601 0:78 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
                f"610 601 254:1 /var/lib/docker/containers/{cid}/resolv.conf /etc/resolv.conf rw,relatime - ext4 /dev/vda1 rw,errors=remount-ro\n"
                f"611 601 254:1 /var/lib/docker/containers/{cid}/hostname /etc/hostname rw,relatime - ext4 /dev/vda1 rw,errors=remount-ro\n"
                f"612 601 254:1 /var/lib/docker/containers/{cid}/hosts /etc/hosts rw,relatime - ext4 /dev/vda1 rw,errors=remount-ro\n" + extra)

    sys_cg = lambda unit: v1_cgroup("/system.slice/" + unit)
    root_fds = {0: "/dev/null", 1: "socket:[21870]", 2: "socket:[21870]"}

    s.proc(1, "systemd", 0, HOST, v1_cgroup("/init.scope"), ["/sbin/init"], host_mi, 5,
           fds={0: "/dev/null", 1: "/dev/null", 2: "/dev/null", 3: "anon_inode:[timerfd]", 4: "anon_inode:[eventpoll]"})
    s.proc(2, "kthreadd", 0, HOST, v1_cgroup("/"), [], host_mi, 5, kernel=True, state="S (sleeping)")
    s.proc(3, "rcu_gp", 2, HOST, v1_cgroup("/"), [], host_mi, 5, kernel=True, state="I (idle)")
    s.proc(389, "systemd-journal", 1, HOST, sys_cg("systemd-journald.service"), ["/lib/systemd/systemd-journald"], host_mi, 212, fds=root_fds)
    s.proc(412, "systemd-udevd", 1, ns_with(mnt=4026532190), sys_cg("systemd-udevd.service"), ["/lib/systemd/systemd-udevd"], udev_mi, 230, fds=root_fds)
    s.proc(598, "cron", 1, HOST, sys_cg("cron.service"), ["/usr/sbin/cron", "-f"], host_mi, 611, fds=root_fds)
    s.proc(620, "sshd", 1, HOST, sys_cg("ssh.service"), ["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"], host_mi, 640, fds={0: "/dev/null", 1: "socket:[22410]", 2: "socket:[22410]", 3: "socket:[22502]"})
    s.proc(703, "containerd", 1, HOST, sys_cg("containerd.service"), ["/usr/bin/containerd"], host_mi, 702, fds=root_fds, threads=[703, 705, 706])
    s.proc(745, "dockerd", 1, HOST, sys_cg("docker.service"), ["/usr/sbin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock"], host_mi, 760, fds=root_fds, threads=[745, 748, 749, 752])
    # Holds a network namespace open through fd 5 only: no process is in it, nothing mounts it.
    s.proc(910, "python3", 1, HOST, v1_cgroup("/user.slice/user-1000.slice/session-3.scope"),
           ["python3", "/home/alice/netns-keeper.py"], host_mi, 5120, uid=1000, gid=1000,
           fds={0: "/dev/pts/0", 1: "/dev/pts/0", 2: "/dev/pts/0", 3: "/home/alice/netns-keeper.py", 5: "net:[4026532500]"})

    WEB = "3f4e8c2a9b1d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f"
    DB = "7c3a9e10b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6"
    METRICS = "7c3a9e55d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5"
    DEBUG = "a41f9b3c7e2058d6f4b2a0c8e6d4f2b0a8c6e4d2f0b8a6c4e2d0f8b6a4c2e0d8"
    OLDJOB = "e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8"

    shim = lambda pid, cid, start: s.proc(pid, "containerd-shim", 1, HOST, sys_cg("containerd.service"),
        ["/usr/bin/containerd-shim-runc-v2", "-namespace", "moby", "-id", cid, "-address", "/run/containerd/containerd.sock"],
        host_mi, start, fds={0: "/dev/null", 1: "/dev/null", 2: "/dev/null", 3: "socket:[30112]"})
    dock = lambda cid: v1_cgroup("/docker/" + cid)

    web_ns = ns_with(ipc=4026532602, mnt=4026532600, net=4026532605, pid=4026532603, uts=4026532604)
    shim(1290, WEB, 9010)
    s.proc(1310, "nginx", 1290, web_ns, dock(WEB), ["nginx: master process nginx -g daemon off;"], ctr_mi(WEB), 9031, nspids=[1310, 1], fds={0: "/dev/null", 1: "pipe:[30201]", 2: "pipe:[30202]", 6: "socket:[30240]"})
    s.proc(1355, "nginx", 1310, web_ns, dock(WEB), ["nginx: worker process"], ctr_mi(WEB), 9040, uid=101, gid=101, nspids=[1355, 29], fds={0: "/dev/null", 1: "pipe:[30201]", 2: "pipe:[30202]", 6: "socket:[30240]"})

    db_ns = ns_with(ipc=4026532702, mnt=4026532700, net=4026532705, pid=4026532703, uts=4026532704)
    shim(1390, DB, 9120)
    s.proc(1420, "postgres", 1390, db_ns, dock(DB), ["postgres"], ctr_mi(DB), 9143, uid=999, gid=999, nspids=[1420, 1], fds={0: "/dev/null", 1: "pipe:[31101]", 2: "pipe:[31102]", 7: "socket:[31150]"})

    # docker run --pid container:web: its own mnt/net/ipc/uts, web's pid namespace.
    dbg_ns = ns_with(ipc=4026532652, mnt=4026532650, net=4026532655, pid=4026532603, uts=4026532654)
    shim(1500, DEBUG, 9400)
    s.proc(1530, "sh", 1500, dbg_ns, dock(DEBUG), ["sh"], ctr_mi(DEBUG), 9420, nspids=[1530, 45], fds={0: "/dev/pts/1", 1: "/dev/pts/1", 2: "/dev/pts/1"})

    # docker run --network host: the host's net (and so uts) namespace.
    met_ns = ns_with(ipc=4026532752, mnt=4026532750, pid=4026532753)
    shim(1590, METRICS, 9500)
    s.proc(1620, "node_exporter", 1590, met_ns, dock(METRICS), ["/bin/node_exporter", "--path.rootfs=/host"], ctr_mi(METRICS), 9522, uid=65534, gid=65534, nspids=[1620, 1], fds={0: "/dev/null", 1: "pipe:[32101]", 2: "pipe:[32102]", 3: "socket:[32150]"})

    s.docker_config(WEB, "web", True, 1310, "2026-11-28T21:14:05.118201934Z", "0001-01-01T00:00:00Z", ["nginx", "-g", "daemon off;"], "nginx:1.25", sandbox_key="/var/run/docker/netns/ebe2650a41c1")
    s.docker_config(DB, "db", True, 1420, "2026-11-28T21:14:06.502918311Z", "0001-01-01T00:00:00Z", ["postgres"], "postgres:16", sandbox_key="/var/run/docker/netns/5d1e0c2f6a7b")
    s.docker_config(DEBUG, "web-debug", True, 1530, "2026-11-28T21:15:11.900213577Z", "0001-01-01T00:00:00Z", ["sh"], "busybox:1.36", sandbox_key="/var/run/docker/netns/a41f9b3c7e20")
    s.docker_config(METRICS, "metrics", True, 1620, "2026-11-28T21:15:40.004611298Z", "0001-01-01T00:00:00Z", ["/bin/node_exporter", "--path.rootfs=/host"], "prom/node-exporter:v1.8.1", sandbox_key="/var/run/docker/netns/default")
    s.docker_config(OLDJOB, "old-job", False, 0, "2026-11-28T20:01:00.100000000Z", "2026-11-28T20:01:03.250000000Z", ["sh", "-c", "echo done"], "busybox:1.36")
    s.finish(HEADER)


# ---------------- runtime state: the formats containerd, CRI-O, runc and the kubelet write ----------------
def compact(v):
    """JSON as Go's json.Marshal writes it: one line, no spaces, no trailing newline."""
    return json.dumps(v, separators=(",", ":"))

def sorted_map(d):
    """A Go map marshals with its keys sorted."""
    return dict(sorted(d.items()))

def unix_ns(ts):
    """'2026-11-28T22:14:31.530128114Z' -> nanoseconds since the epoch (time.Now().UnixNano())."""
    date, frac = ts.rstrip("Z").split(".")
    return calendar.timegm(time.strptime(date, "%Y-%m-%dT%H:%M:%S")) * 10**9 + int(frac.ljust(9, "0"))

def fixture_id(label):
    """A 64-hex container ID, stable across runs."""
    return hashlib.sha256(label.encode()).hexdigest()

DEFAULT_CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
                "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
                "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]

def oci_spec(args, hostname, cgroups_path, namespaces, annotations=None, user=(0, 0), root="rootfs",
             idmap=None, resources=None, oom_score_adj=None, env=None, cwd="/", extra_mounts=(),
             oci_version="1.1.0"):
    """A container's OCI runtime spec (config.json), trimmed to what shows who and where it is."""
    proc = {"user": {"uid": user[0], "gid": user[1], "additionalGids": [user[1]]}, "args": args,
            "env": env or ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=" + hostname],
            "cwd": cwd,
            "capabilities": {"bounding": DEFAULT_CAPS, "effective": DEFAULT_CAPS, "permitted": DEFAULT_CAPS},
            "noNewPrivileges": False}
    if oom_score_adj is not None:
        proc["oomScoreAdj"] = oom_score_adj
    mounts = [{"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
              {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
              {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
              {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}]
    mounts += list(extra_mounts)
    linux = {}
    if idmap:
        linux["uidMappings"] = [{"containerID": idmap[0], "hostID": idmap[1], "size": idmap[2]}]
        linux["gidMappings"] = [{"containerID": idmap[0], "hostID": idmap[1], "size": idmap[2]}]
    linux["resources"] = resources or {"devices": [{"allow": False, "access": "rwm"}]}
    linux["cgroupsPath"] = cgroups_path
    linux["namespaces"] = namespaces
    linux["maskedPaths"] = ["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                            "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware"]
    linux["readonlyPaths"] = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
    spec = {"ociVersion": oci_version, "process": proc, "root": {"path": root}, "hostname": hostname, "mounts": mounts}
    if annotations:
        spec["annotations"] = sorted_map(annotations)
    spec["linux"] = linux
    return spec

NS_FLAGS = {"pid": "NEWPID", "ipc": "NEWIPC", "uts": "NEWUTS", "mount": "NEWNS", "network": "NEWNET",
            "user": "NEWUSER", "cgroup": "NEWCGROUP"}

def runc_state(cid, pid, start, created, bundle, annotations, cgroups, cgroup_dir, namespaces, rootfs=None):
    """runc's state.json (libcontainer): no bundle key of its own; runc keeps the bundle as the last
    "bundle=DIR" label, after every OCI annotation as "KEY=VALUE", sorted."""
    labels = [f"{k}={v}" for k, v in sorted((annotations or {}).items())] + ["bundle=" + bundle]
    return {"id": cid, "init_process_pid": pid, "init_process_start": start, "created": created,
            "config": {"no_pivot_root": False, "parent_death_signal": 0, "rootfs": rootfs or bundle + "/rootfs",
                       "umask": None, "readonlyfs": False, "rootPropagation": 0, "mounts": [], "devices": [],
                       "mount_label": "", "hostname": "",
                       "namespaces": [{"type": NS_FLAGS[n["type"]], "path": n.get("path", "")} for n in namespaces],
                       "capabilities": None, "networks": None, "routes": None,
                       "cgroups": cgroups, "oom_score_adj": None, "uid_mappings": None, "gid_mappings": None,
                       "mask_paths": None, "readonly_paths": None, "sysctl": None, "seccomp": None,
                       "Hooks": {}, "version": "1.0.2-dev", "labels": labels, "no_new_keyring": False},
            "rootless": False,
            "cgroup_paths": {"": "/sys/fs/cgroup" + cgroup_dir},
            "namespace_paths": {NS_FLAGS[n["type"]]: f"/proc/{pid}/ns/{n['type'].replace('mount', 'mnt').replace('network', 'net')}"
                                for n in namespaces},
            "external_descriptors": ["/dev/null", f"pipe:[{pid * 10 + 1}]", f"pipe:[{pid * 10 + 2}]"],
            "intel_rdt_path": ""}

def systemd_cgroups(name, parent, prefix):
    """runc's cgroup config for cgroupsPath "PARENT:PREFIX:NAME" (the systemd driver)."""
    return {"name": name, "parent": parent, "path": "", "scope_prefix": prefix, "devices": [],
            "memory": 0, "memory_reservation": 0, "memory_swap": 0, "cpu_shares": 0, "cpu_quota": 0,
            "cpu_period": 0, "pids_limit": 0, "freezer": "", "systemd": True, "Rootless": False}

def cri_log(ts, stream, line):
    """One line of a kubelet container log (the CRI logging format)."""
    return f"{ts} {stream} F {line}\n"

# ---------------- v2-k8s, v2-kubelet ----------------
# v2-k8s has the processes only; v2-kubelet is the same node with the state its runtimes
# keep on disk: containerd's task bundles, runc's state, the CRI plugin's status files,
# Docker's bundle in containerd's moby namespace, and the kubelet's pod log directories.
def v2_k8s(name="v2-k8s", runtime_state=False):
    s = Scenario(name)
    s.write("etc/passwd", PASSWD)
    POD_UID = "6f1c2b8e-4a7d-4e21-9c3b-5d8e7f6a1b20"
    POD_SLICE = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + POD_UID.replace("-", "_") + ".slice"
    PAUSE = "9b8a7c6d5e4f30211a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"
    APP = "c0ffee12d4e6f8a0b2c4d6e8f0a2b4c6d8e0f2a4b6c8d0e2f4a6b8c0d2e4f6a8"
    API = "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f"
    host_mi = """22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
23 28 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
24 28 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=8168804k,nr_inodes=2042201,mode=755
26 28 0:24 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=1638556k,mode=755
28 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro
30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
611 26 0:4 net:[4026532505] /run/docker/netns/0c7d2e9a4f11 rw shared:301 - nsfs nsfs rw
702 26 0:81 /netns /run/netns rw,nosuid,nodev,noexec,relatime shared:320 - tmpfs tmpfs rw,size=1638556k,mode=755
703 702 0:4 net:[4026532910] /run/netns/cni-2b3f4a5c-6d7e-8f90-a1b2-c3d4e5f6a7b8 rw shared:321 - nsfs nsfs rw
"""
    def ctr_mi(root):
        return (f"1201 1180 0:90 / / rw,relatime master:1 - overlay overlay rw,lowerdir={root}/lower,upperdir={root}/fs,workdir={root}/work\n"
                "1202 1201 0:93 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
                "1203 1201 0:94 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
                "1208 1201 0:96 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
                "1209 1208 0:97 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup ro,nsdelegate,memory_recursiveprot\n")
    cg = lambda p: f"0::{p}\n"
    root_fds = {0: "/dev/null", 1: "socket:[19870]", 2: "socket:[19870]"}
    s.proc(1, "systemd", 0, HOST, cg("/init.scope"), ["/sbin/init"], host_mi, 4,
           fds={0: "/dev/null", 1: "/dev/null", 2: "/dev/null", 3: "anon_inode:[timerfd]"})
    s.proc(2, "kthreadd", 0, HOST, cg("/"), [], host_mi, 4, kernel=True)
    s.proc(3, "rcu_gp", 2, HOST, cg("/"), [], host_mi, 4, kernel=True, state="I (idle)")
    s.proc(402, "systemd-journal", 1, HOST, cg("/system.slice/systemd-journald.service"), ["/lib/systemd/systemd-journald"], host_mi, 190, fds=root_fds)
    s.proc(655, "containerd", 1, HOST, cg("/system.slice/containerd.service"), ["/usr/bin/containerd"], host_mi, 640, fds=root_fds, threads=[655, 657])
    s.proc(690, "kubelet", 1, HOST, cg("/system.slice/kubelet.service"), ["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml", "--container-runtime-endpoint=unix:///run/containerd/containerd.sock"], host_mi, 700, fds=root_fds)
    s.proc(720, "dockerd", 1, HOST, cg("/system.slice/docker.service"), ["/usr/sbin/dockerd", "-H", "fd://", "--containerd=/run/containerd/containerd.sock", "--exec-opt", "native.cgroupdriver=systemd"], host_mi, 730, fds=root_fds)

    # Docker with the systemd cgroup driver; on cgroup v2 its cgroup namespace is private.
    api_ns = ns_with(cgroup=4026532506, ipc=4026532502, mnt=4026532500, net=4026532505, pid=4026532503, uts=4026532504)
    s.proc(1880, "containerd-shim", 1, HOST, cg("/system.slice/containerd.service"), ["/usr/bin/containerd-shim-runc-v2", "-namespace", "moby", "-id", API, "-address", "/run/containerd/containerd.sock"], host_mi, 8800, fds={0: "/dev/null", 1: "/dev/null", 2: "/dev/null"})
    s.proc(1900, "gunicorn", 1880, api_ns, cg(f"/system.slice/docker-{API}.scope"), ["/usr/local/bin/python3", "/usr/local/bin/gunicorn", "app:app", "-b", "0.0.0.0:8000"], ctr_mi(f"/var/lib/docker/overlay2/{API[:20]}"), 8820, uid=1000, gid=1000, nspids=[1900, 1], fds={0: "/dev/null", 1: "pipe:[40101]", 2: "pipe:[40102]", 5: "socket:[40150]"})
    s.docker_config(API, "api", True, 1900, "2026-11-28T22:10:00.441201934Z", "0001-01-01T00:00:00Z", ["gunicorn", "app:app", "-b", "0.0.0.0:8000"], "registry.local/api:2.3", sandbox_key="/var/run/docker/netns/0c7d2e9a4f11")

    # A pod with hostUsers: false: its user namespace maps 0 to 100000 and owns
    # the pod's shared net, ipc and uts namespaces.
    USERNS = 4026532900
    pod_shared = dict(ipc=4026532912, net=4026532910, uts=4026532911, user=USERNS)
    pause_ns = ns_with(cgroup=4026532915, mnt=4026532913, pid=4026532914, **pod_shared)
    app_ns = ns_with(cgroup=4026532925, mnt=4026532923, pid=4026532924, **pod_shared)
    podmap = "         0     100000      65536\n"
    s.proc(2080, "containerd-shim", 1, HOST, cg("/system.slice/containerd.service"), ["/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", PAUSE, "-address", "/run/containerd/containerd.sock"], host_mi, 10200, fds={0: "/dev/null", 1: "/dev/null", 2: "/dev/null"})
    s.proc(2100, "pause", 2080, pause_ns, cg(f"{POD_SLICE}/cri-containerd-{PAUSE}.scope"), ["/pause"], ctr_mi(f"/run/containerd/io.containerd.runtime.v2.task/k8s.io/{PAUSE}/rootfs"), 10230, uid=165535, gid=165535, nspids=[2100, 1], uidmap=podmap, fds={0: "/dev/null", 1: "pipe:[50101]", 2: "pipe:[50102]"})
    s.proc(2160, "nginx", 2080, app_ns, cg(f"{POD_SLICE}/cri-containerd-{APP}.scope"), ["nginx: master process nginx -g daemon off;"], ctr_mi(f"/run/containerd/io.containerd.runtime.v2.task/k8s.io/{APP}/rootfs"), 10390, uid=100000, gid=100000, nspids=[2160, 1], uidmap=podmap, fds={0: "/dev/null", 1: "pipe:[50201]", 2: "pipe:[50202]", 6: "socket:[50240]"})
    if runtime_state:
        kubelet_state(s, POD_UID, POD_SLICE, PAUSE, APP, API)
    s.finish(HEADER)

def kubelet_state(s, pod_uid, pod_slice, pause, app, api):
    """What containerd 1.7 (CRI plugin, runc v2 shim, systemd cgroup driver), dockerd 20.10 and the
    kubelet leave on disk for v2-k8s's processes: pause 2100 and nginx 2160 of pod
    shop/checkout-7f9c8d6b5-x2x4q, and Docker's api 1900."""
    ns, pod, ctr = "shop", "checkout-7f9c8d6b5-x2x4q", "nginx"
    image, pause_image = "docker.io/library/nginx:1.25.3", "registry.k8s.io/pause:3.9"
    logdir = f"/var/log/pods/{ns}_{pod}_{pod_uid}"
    uslice = "kubepods-burstable-pod" + pod_uid.replace("-", "_") + ".slice"
    tasks = "run/containerd/io.containerd.runtime.v2.task"
    cni_netns = "/var/run/netns/cni-2b3f4a5c-6d7e-8f90-a1b2-c3d4e5f6a7b8"
    podmap = (0, 100000, 65536)
    # The CRI plugin's annotations, as DefaultCRIAnnotations and the sandbox's resource
    # annotations set them (pkg/cri/annotations; the same keys in 1.6 and 1.7).
    pod_ann = {"io.kubernetes.cri.sandbox-id": pause, "io.kubernetes.cri.sandbox-name": pod,
               "io.kubernetes.cri.sandbox-namespace": ns, "io.kubernetes.cri.sandbox-uid": pod_uid}
    sb_ann = dict(pod_ann, **{"io.kubernetes.cri.container-type": "sandbox",
                              "io.kubernetes.cri.sandbox-log-directory": logdir,
                              "io.kubernetes.cri.sandbox-cpu-period": "100000",
                              "io.kubernetes.cri.sandbox-cpu-quota": "50000",
                              "io.kubernetes.cri.sandbox-cpu-shares": "512",
                              "io.kubernetes.cri.sandbox-memory": "268435456"})
    app_ann = dict(pod_ann, **{"io.kubernetes.cri.container-type": "container",
                               "io.kubernetes.cri.container-name": ctr, "io.kubernetes.cri.image-name": image})
    sb_nss = [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"},
              {"type": "network", "path": cni_netns}, {"type": "user"}, {"type": "cgroup"}]
    app_nss = [{"type": "pid"}, {"type": "ipc", "path": "/proc/2100/ns/ipc"}, {"type": "uts", "path": "/proc/2100/ns/uts"},
               {"type": "mount"}, {"type": "network", "path": "/proc/2100/ns/net"},
               {"type": "user", "path": "/proc/2100/ns/user"}, {"type": "cgroup"}]
    limits = {"devices": [{"allow": False, "access": "rwm"}],
              "memory": {"limit": 268435456, "swap": 268435456},
              "cpu": {"shares": 512, "quota": 50000, "period": 100000}}
    for cid, pid, start, args, user, ann, nss, created, started, res, oom in [
            (pause, 2100, 10230, ["/pause"], (65535, 65535), sb_ann, sb_nss,
             "2026-11-28T22:14:30.902114387Z", "2026-11-28T22:14:31.004211845Z", None, -998),
            (app, 2160, 10390, ["nginx", "-g", "daemon off;"], (0, 0), app_ann, app_nss,
             "2026-11-28T22:14:31.412093772Z", "2026-11-28T22:14:31.530128114Z", limits, 968)]:
        bundle = f"/{tasks}/k8s.io/{cid}"
        cgpath = f"{uslice}:cri-containerd:{cid}"
        spec = oci_spec(args, pod, cgpath, nss, annotations=ann, user=user, idmap=podmap,
                        resources=res, oom_score_adj=oom)
        d = f"{tasks}/k8s.io/{cid}"
        s.write(f"{d}/config.json", compact(spec))
        s.write(f"{d}/init.pid", str(pid))  # decimal, no newline
        s.write(f"{d}/address", "unix:///run/containerd/s/" + fixture_id("shim " + pause))  # one shim per pod
        s.write(f"{d}/shim-binary-path", "/usr/bin/containerd-shim-runc-v2")
        s.write(f"{d}/options.json", "{}")
        s.write(f"{d}/runtime", "")
        s.emptydir(f"{d}/rootfs/")
        # The shim's runc keeps its state under a root of its own, one directory per namespace.
        s.write(f"run/containerd/runc/k8s.io/{cid}/state.json",
                compact(runc_state(cid, pid, start, created, bundle, ann,
                                   systemd_cgroups(cid, uslice, "cri-containerd"),
                                   f"{pod_slice}/cri-containerd-{cid}.scope", nss)), 0o600)
    # The CRI plugin's checkpoint of the app (sandboxes have none in 1.6 and 1.7: theirs is in bolt).
    s.write(f"var/lib/containerd/io.containerd.grpc.v1.cri/containers/{app}/status", compact({
        "Version": "v1", "Pid": 2160,
        "CreatedAt": unix_ns("2026-11-28T22:14:31.412093772Z"), "StartedAt": unix_ns("2026-11-28T22:14:31.530128114Z"),
        "FinishedAt": 0, "ExitCode": 0, "Reason": "", "Message": "",
        "Resources": {"linux": {"cpu_period": 100000, "cpu_quota": 50000, "cpu_shares": 512,
                                "memory_limit_in_bytes": 268435456, "oom_score_adj": 968}}}), 0o600)
    sbdir = f"var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes/{pause}"
    s.write(f"{sbdir}/hostname", pod + "\n")
    s.write(f"{sbdir}/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
    s.write(f"{sbdir}/resolv.conf", "search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n")
    # The kubelet's log directory: NAMESPACE_NAME_UID/CONTAINER/RESTARTS.log.
    s.write(f"var/log/pods/{ns}_{pod}_{pod_uid}/{ctr}/0.log",
            cri_log("2026-11-28T22:14:31.601822390Z", "stderr", "2026/11/28 22:14:31 [notice] 1#1: start worker processes"))
    # An earlier attempt of nginx, OOM-killed: its task is gone, the CRI plugin keeps its
    # status (Pid 0 once exited) until the kubelet removes the container, and the kubelet's
    # link in /var/log/containers (POD_NAMESPACE_CONTAINER-ID.log) names it.
    old_app = fixture_id("nginx attempt before " + app)
    s.write(f"var/lib/containerd/io.containerd.grpc.v1.cri/containers/{old_app}/status", compact({
        "Version": "v1", "Pid": 0,
        "CreatedAt": unix_ns("2026-11-28T21:02:11.100212331Z"), "StartedAt": unix_ns("2026-11-28T21:02:11.204519870Z"),
        "FinishedAt": unix_ns("2026-11-28T22:14:29.877310026Z"), "ExitCode": 137, "Reason": "OOMKilled", "Message": "",
        "Resources": {"linux": {"memory_limit_in_bytes": 268435456, "oom_score_adj": 968}}}), 0o600)
    for cid, attempt in [(old_app, 0), (app, 1)]:
        s.link(f"var/log/containers/{pod}_{ns}_{ctr}-{cid}.log", f"{logdir}/{ctr}/{attempt}.log")

    # Docker's api: dockerd 20.10 on the system containerd keeps its bundle in namespace moby
    # (no annotations), and runc its state under dockerd's exec root.
    api_nss = [{"type": "mount"}, {"type": "network"}, {"type": "uts"}, {"type": "pid"}, {"type": "ipc"}, {"type": "cgroup"}]
    bundle = f"/{tasks}/moby/{api}"
    spec = oci_spec(["gunicorn", "app:app", "-b", "0.0.0.0:8000"], api[:12], f"system.slice:docker:{api}", api_nss,
                    user=(1000, 1000), root=f"/var/lib/docker/overlay2/{api[:20]}/merged")
    s.write(f"{tasks}/moby/{api}/config.json", compact(spec))
    s.write(f"{tasks}/moby/{api}/init.pid", "1900")
    s.write(f"run/docker/runtime-runc/moby/{api}/state.json",
            compact(runc_state(api, 1900, 8820, "2026-11-28T22:10:00.402310244Z", bundle, None,
                               systemd_cgroups(api, "system.slice", "docker"), f"/system.slice/docker-{api}.scope",
                               api_nss, rootfs=f"/var/lib/docker/overlay2/{api[:20]}/merged")), 0o600)

# ---------------- v2-crio ----------------
def v2_crio():
    """A CRI-O 1.26 node (containers/storage 1.44, runc, systemd cgroup driver, conmon in the pod's
    slice): pod payments/api-5d9c7b-abcde (infra, api restarted after an OOM kill, sidecar) and
    pod billing/ledger-6c5b4a-zz9kq (infra, another container named api)."""
    s = Scenario("v2-crio")
    s.write("etc/passwd", PASSWD)
    host_mi = """22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
23 28 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
24 28 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=8168804k,nr_inodes=2042201,mode=755
26 28 0:24 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=1638556k,mode=755
28 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro
30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
702 26 0:81 /netns /run/netns rw,nosuid,nodev,noexec,relatime shared:320 - tmpfs tmpfs rw,size=1638556k,mode=755
703 702 0:4 net:[4026533010] /run/netns/7d3f1c2a-9e4b-4a6c-8d2f-0b1e3c5a7f90 rw shared:321 - nsfs nsfs rw
704 702 0:4 net:[4026533110] /run/netns/2a5c7e9b-1d3f-4b6a-9c8e-7f0a2b4d6e81 rw shared:322 - nsfs nsfs rw
705 26 0:82 /ipcns /run/ipcns rw,nosuid,nodev,noexec,relatime shared:323 - tmpfs tmpfs rw,size=1638556k,mode=755
706 705 0:4 ipc:[4026533012] /run/ipcns/7d3f1c2a-9e4b-4a6c-8d2f-0b1e3c5a7f90 rw shared:324 - nsfs nsfs rw
707 705 0:4 ipc:[4026533112] /run/ipcns/2a5c7e9b-1d3f-4b6a-9c8e-7f0a2b4d6e81 rw shared:325 - nsfs nsfs rw
708 26 0:83 /utsns /run/utsns rw,nosuid,nodev,noexec,relatime shared:326 - tmpfs tmpfs rw,size=1638556k,mode=755
709 708 0:4 uts:[4026533011] /run/utsns/7d3f1c2a-9e4b-4a6c-8d2f-0b1e3c5a7f90 rw shared:327 - nsfs nsfs rw
710 708 0:4 uts:[4026533111] /run/utsns/2a5c7e9b-1d3f-4b6a-9c8e-7f0a2b4d6e81 rw shared:328 - nsfs nsfs rw
"""
    def ctr_mi(layer):
        root = f"/var/lib/containers/storage/overlay/{layer}"
        return (f"1401 1380 0:95 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/var/lib/containers/storage/overlay/l/Q3ZKX5W7,upperdir={root}/diff,workdir={root}/work\n"
                "1402 1401 0:98 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
                "1403 1401 0:99 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
                "1408 1401 0:100 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
                "1409 1408 0:101 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup ro,nsdelegate,memory_recursiveprot\n")
    cg = lambda p: f"0::{p}\n"
    fds = {0: "/dev/null", 1: "/dev/null", 2: "/dev/null"}
    s.proc(1, "systemd", 0, HOST, cg("/init.scope"), ["/sbin/init"], host_mi, 4,
           fds={0: "/dev/null", 1: "/dev/null", 2: "/dev/null", 3: "anon_inode:[timerfd]"})
    s.proc(2, "kthreadd", 0, HOST, cg("/"), [], host_mi, 4, kernel=True)
    s.proc(3, "rcu_gp", 2, HOST, cg("/"), [], host_mi, 4, kernel=True, state="I (idle)")
    s.proc(402, "systemd-journal", 1, HOST, cg("/system.slice/systemd-journald.service"), ["/lib/systemd/systemd-journald"], host_mi, 190, fds=fds)
    s.proc(640, "crio", 1, HOST, cg("/system.slice/crio.service"), ["/usr/bin/crio"], host_mi, 650, fds=fds, threads=[640, 643, 644])
    s.proc(690, "kubelet", 1, HOST, cg("/system.slice/kubelet.service"), ["/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml", "--container-runtime-endpoint=unix:///var/run/crio/crio.sock"], host_mi, 700, fds=fds)

    pause_image = "registry.k8s.io/pause:3.9"
    pause_image_id = fixture_id("image pause:3.9")
    storage_entries = []

    def pod(ns, name, uid, qos, infra, netns_path, shared):
        p = dict(ns=ns, name=name, uid=uid, infra=infra, netns=netns_path, shared=shared,
                 sbname=f"k8s_{name}_{ns}_{uid}_0", logdir=f"/var/log/pods/{ns}_{name}_{uid}",
                 uslice=f"kubepods-{qos}-pod" + uid.replace("-", "_") + ".slice")
        p["slice"] = f"/kubepods.slice/kubepods-{qos}.slice/" + p["uslice"]
        return p

    # CRI-O pins each pod's net, ipc and uts namespaces (pinns) at /var/run/{netns,ipcns,utsns}/UUID.
    A = pod("payments", "api-5d9c7b-abcde", "2f6e9c1a-8b3d-4c7e-9f1a-5d2b8e4c6a90", "burstable",
            fixture_id("v2-crio payments infra"), "7d3f1c2a-9e4b-4a6c-8d2f-0b1e3c5a7f90",
            dict(ipc=4026533012, net=4026533010, uts=4026533011))
    B = pod("billing", "ledger-6c5b4a-zz9kq", "7a1c3e5f-9b2d-4f6a-8c0e-1d3f5b7a9c2e", "besteffort",
            fixture_id("v2-crio billing infra"), "2a5c7e9b-1d3f-4b6a-9c8e-7f0a2b4d6e81",
            dict(ipc=4026533112, net=4026533110, uts=4026533111))

    def container(p, cid, kube_name, attempt, image, image_id, procs, conmon_pid, conmon_start, created, started,
                  finished=None, exit_code=None, oom=False, init_pid=None, init_start=None, user=(0, 0)):
        """One CRI-O container: containers.json entry, userdata config.json and state.json, its bundle
        in the run root, runc's state while it runs, conmon and its processes."""
        infra = kube_name is None
        name = f"k8s_POD_{p['name']}_{p['ns']}_{p['uid']}_{attempt}" if infra else \
               f"k8s_{kube_name}_{p['name']}_{p['ns']}_{p['uid']}_{attempt}"
        graph = f"var/lib/containers/storage/overlay-containers/{cid}/userdata"
        run = f"run/containers/storage/overlay-containers/{cid}/userdata"
        bundle = "/" + run
        logpath = f"{p['logdir']}/{cid}.log" if infra else f"{p['logdir']}/{kube_name}/{attempt}.log"
        layer = fixture_id("layer " + cid)
        # containers/storage's metadata string: CRI-O's RuntimeContainerMetadata. pod-name is the
        # sandbox's CRI-O name, metadata-name the CRI name: the pod's own name for the infra container.
        meta = {"pod-name": p["sbname"], "pod-id": p["infra"], "image-name": image, "image-id": image_id,
                "name": name, "metadata-name": p["name"] if infra else kube_name}
        if infra:
            meta.update({"uid": p["uid"], "namespace": p["ns"]})
        meta["created-at"] = unix_ns(created) // 10**9
        if attempt:
            meta["attempt"] = attempt
        if infra:
            meta["pod"] = True
        names = [name, p["sbname"]] if infra else [name]
        storage_entries.append({"id": cid, "names": names, "image": image_id, "layer": layer,
                                "metadata": compact(meta), "created": created,
                                "flags": {"MountLabel": "", "ProcessLabel": ""}})
        # The OCI annotations CRI-O writes (server/sandbox_run_linux.go, internal/factory/container):
        # its own io.kubernetes.cri-o.* keys plus the kubelet's labels, trimmed.
        labels = {"io.kubernetes.pod.name": p["name"], "io.kubernetes.pod.namespace": p["ns"],
                  "io.kubernetes.pod.uid": p["uid"],
                  "io.kubernetes.container.name": "POD" if infra else kube_name}
        ann = dict(labels, **{
            "io.container.manager": "cri-o",
            "io.kubernetes.cri-o.ContainerID": cid,
            "io.kubernetes.cri-o.ContainerType": "sandbox" if infra else "container",
            "io.kubernetes.cri-o.Created": created,
            "io.kubernetes.cri-o.Image": image,
            "io.kubernetes.cri-o.ImageName": image,
            "io.kubernetes.cri-o.ImageRef": image_id,
            "io.kubernetes.cri-o.Labels": compact(sorted_map(labels)),
            "io.kubernetes.cri-o.LogPath": logpath,
            "io.kubernetes.cri-o.Name": name,
            "io.kubernetes.cri-o.SandboxID": p["infra"],
            "io.kubernetes.cri-o.SandboxName": p["sbname"],
            "io.kubernetes.cri-o.MountPoint": f"/var/lib/containers/storage/overlay/{layer}/merged",
            "io.kubernetes.cri-o.ResolvPath": f"/run/containers/storage/overlay-containers/{p['infra']}/userdata/resolv.conf",
            "io.kubernetes.cri-o.SeccompProfilePath": "RuntimeDefault",
            "io.kubernetes.cri-o.TTY": "false"})
        if infra:
            ann.update({"io.kubernetes.cri-o.ContainerName": name, "io.kubernetes.cri-o.KubeName": p["name"],
                        "io.kubernetes.cri-o.Namespace": p["ns"], "io.kubernetes.cri-o.HostNetwork": "false",
                        "io.kubernetes.cri-o.CgroupParent": p["uslice"],
                        "io.kubernetes.cri-o.Metadata": compact({"name": p["name"], "uid": p["uid"], "namespace": p["ns"]})})
        else:
            ann["io.kubernetes.cri-o.Metadata"] = compact({"name": kube_name, "attempt": attempt} if attempt else {"name": kube_name})
            ann["io.kubernetes.container.restartCount"] = str(attempt)
        # Every container of the pod joins the pinned namespaces; pid, mount and cgroup are its own.
        nss = [{"type": "pid"}, {"type": "network", "path": "/var/run/netns/" + p["netns"]},
               {"type": "ipc", "path": "/var/run/ipcns/" + p["netns"]},
               {"type": "uts", "path": "/var/run/utsns/" + p["netns"]}, {"type": "mount"}, {"type": "cgroup"}]
        args = procs[0][2] if procs else ["/usr/local/bin/gunicorn", "api:app", "--workers", "1"]
        spec = oci_spec(args, p["name"], f"{p['uslice']}:crio:{cid}", nss, annotations=ann, user=user,
                        root=f"/var/lib/containers/storage/overlay/{layer}/merged", oci_version="1.0.2-dev")
        # CRI-O saves the spec twice: in the persistent userdata and in the bundle.
        s.write(f"{graph}/config.json", compact(spec))
        s.write(f"{run}/config.json", compact(spec))
        # state.json: the OCI state (pid only while it runs) plus CRI-O's times, exit and OOM.
        state = {"ociVersion": "1.0.2-dev", "id": cid, "status": "stopped" if finished else "running"}
        if not finished:
            state["pid"] = procs[0][0]
        state.update({"bundle": bundle, "annotations": sorted_map(ann), "created": created, "started": started,
                      "finished": finished or "0001-01-01T00:00:00Z"})
        if exit_code is not None:
            state["exitCode"] = exit_code
        if oom:
            state["oomKilled"] = True
        state.update({"initPid": init_pid or procs[0][0], "initStartTime": str(init_start or procs[0][1]),
                      "checkpointedTime": "0001-01-01T00:00:00Z"})
        s.write(f"{graph}/state.json", compact(state))
        # conmon's pid files stay in the bundle until the container is removed.
        s.write(f"{run}/pidfile", str(init_pid or procs[0][0]))
        s.write(f"{run}/conmon-pidfile", str(conmon_pid))
        if finished:
            return  # no process, no runc state: conmon and runc are gone
        init_pid_, init_start_ = procs[0][0], procs[0][1]
        s.write(f"run/runc/{cid}/state.json",
                compact(runc_state(cid, init_pid_, init_start_, created, bundle, ann,
                                   systemd_cgroups(cid, p["uslice"], "crio"), f"{p['slice']}/crio-{cid}.scope", nss,
                                   rootfs=f"/var/lib/containers/storage/overlay/{layer}/merged")), 0o600)
        s.proc(conmon_pid, "conmon", 1, HOST, cg(f"{p['slice']}/crio-conmon-{cid}.scope"),
               ["/usr/bin/conmon", "-b", bundle, "-c", cid, "--exit-dir", "/var/run/crio/exits", "-l", logpath,
                "--log-level", "info", "-n", name, "-P", f"{bundle}/conmon-pidfile", "-p", f"{bundle}/pidfile",
                "--persist-dir", "/" + graph, "-r", "/usr/bin/runc", "--runtime-arg", "--root=/run/runc",
                "--socket-dir-path", "/var/run/crio", "-u", cid, "-s"],
               host_mi, conmon_start, fds={0: "/dev/null", 1: "/dev/null", 2: "/dev/null", 5: f"{logpath}"})
        base = 4026540000 + procs[0][0] * 10  # e.g. 4026570100 for PID 3010
        own = dict(cgroup=base + 5, mnt=base + 3, pid=base + 4)
        ns = ns_with(**own, **p["shared"])
        for i, (pid, start, cmd, comm, uid) in enumerate(procs):
            ppid = conmon_pid if i == 0 else procs[0][0]
            s.proc(pid, comm, ppid, ns, cg(f"{p['slice']}/crio-{cid}.scope"), cmd, ctr_mi(layer), start,
                   uid=uid, gid=uid, nspids=[pid, i + 1 if i == 0 else 7 + i],
                   fds={0: "/dev/null", 1: f"pipe:[{pid}1]", 2: f"pipe:[{pid}2]"})

    for p in (A, B):
        container(p, p["infra"], None, 0, pause_image, pause_image_id,
                  [(3010 if p is A else 3310, 30100 if p is A else 33100, ["/pause"], "pause", 65535)],
                  3000 if p is A else 3300, 30050 if p is A else 33050,
                  "2026-11-29T08:02:11.210398477Z" if p is A else "2026-11-29T08:05:40.118266590Z",
                  "2026-11-29T08:02:11.391184021Z" if p is A else "2026-11-29T08:05:40.290517334Z", user=(65535, 65535))

    api_image, api_image_id = "registry.local/payments/api:1.8.2", fixture_id("image payments/api:1.8.2")
    # The api of payments: attempt 0 was OOM-killed (no process left; the kubelet keeps the dead
    # container for its logs), attempt 1 runs: gunicorn's master and one worker.
    container(A, fixture_id("v2-crio payments api 0"), "api", 0, api_image, api_image_id, [],
              3090, 30500, "2026-11-29T08:02:13.004127781Z", "2026-11-29T08:02:13.220918405Z",
              finished="2026-11-29T08:41:07.530127844Z", exit_code=137, oom=True, init_pid=3050, init_start=30600,
              user=(1001, 1001))
    container(A, fixture_id("v2-crio payments api 1"), "api", 1, api_image, api_image_id,
              [(3120, 31200, ["gunicorn: master [api:app]"], "gunicorn", 1001),
               (3140, 31400, ["gunicorn: worker [api:app]"], "gunicorn", 1001)],
              3100, 31100, "2026-11-29T08:41:09.118734502Z", "2026-11-29T08:41:09.301555871Z", user=(1001, 1001))
    container(A, fixture_id("v2-crio payments sidecar 0"), "sidecar", 0, "docker.io/envoyproxy/envoy:v1.28.0",
              fixture_id("image envoy:v1.28.0"),
              [(3220, 32200, ["envoy", "-c", "/etc/envoy/envoy.yaml"], "envoy", 101)],
              3200, 32100, "2026-11-29T08:02:13.600211093Z", "2026-11-29T08:02:13.781440628Z", user=(101, 101))
    container(B, fixture_id("v2-crio billing api 0"), "api", 0, "registry.local/billing/ledger-api:4.0.1",
              fixture_id("image billing/ledger-api:4.0.1"),
              [(3420, 34200, ["java", "-jar", "/app/ledger-api.jar"], "java", 1001)],
              3400, 34100, "2026-11-29T08:05:42.007913512Z", "2026-11-29T08:05:42.193652118Z", user=(1001, 1001))

    # containers/storage writes containers.json in one line; before 1.45 (CRI-O 1.26 and older) it
    # holds CRI-O's containers too, which later versions keep in volatile-containers.json.
    storage_entries.sort(key=lambda e: e["created"])  # in the order CRI-O created them
    s.write("var/lib/containers/storage/overlay-containers/containers.json", compact(storage_entries), 0o600)

    # The kubelet's log directories: NAMESPACE_NAME_UID/CONTAINER/RESTARTS.log.
    for p, ctr, n, ts, line in [
            (A, "api", 0, "2026-11-29T08:41:06.998210435Z", "[2026-11-29 08:41:06 +0000] [7] [INFO] Booting worker with pid: 7"),
            (A, "api", 1, "2026-11-29T08:41:09.512004871Z", "[2026-11-29 08:41:09 +0000] [1] [INFO] Listening at: http://0.0.0.0:8080 (1)"),
            (A, "sidecar", 0, "2026-11-29T08:02:14.120553930Z", "[2026-11-29 08:02:14.120][1][info][main] starting main dispatch loop"),
            (B, "api", 0, "2026-11-29T08:05:44.420188061Z", "Started LedgerApplication in 2.114 seconds")]:
        s.write(f"{p['logdir'].lstrip('/')}/{ctr}/{n}.log", cri_log(ts, "stdout", line))
    s.finish(HEADER)

v1_docker()
v2_k8s()
v2_k8s("v2-kubelet", runtime_state=True)
v2_crio()

# ---------------- cgroup scenarios: interface files for `nsx cgroup` ----------------
def cgfiles(s, base, path, files):
    """Writes cgroup interface files of cgroup `path` in the hierarchy mounted at `base`."""
    d = base.strip("/") + ("" if path == "/" else path)
    for name, data in files.items():
        s.write(f"{d}/{name}", data)

PSI = "some avg10={} avg60={} avg300={} total={}\nfull avg10={} avg60={} avg300={} total={}\n"

def psi(some, full):
    return PSI.format(*some, *full)

def v2_memory_stat(anon, file, kernel, shmem, slab, sock):
    # The keys of a 6.x memory.stat, in the kernel's order (a subset of the
    # event counters at the end).
    return (f"anon {anon}\nfile {file}\nkernel {kernel}\nkernel_stack 163840\npagetables 389120\n"
            f"sec_pagetables 0\npercpu 2880\nsock {sock}\nvmalloc 0\nshmem {shmem}\nzswap 0\nzswapped 0\n"
            f"file_mapped 20480000\nfile_dirty 0\nfile_writeback 0\nswapcached 0\nanon_thp 0\nfile_thp 0\n"
            f"shmem_thp 0\ninactive_anon {anon}\nactive_anon {shmem}\ninactive_file 31457280\nactive_file {file - 31457280}\n"
            f"unevictable 0\nslab_reclaimable {slab // 2}\nslab_unreclaimable {slab - slab // 2}\nslab {slab}\n"
            f"workingset_refault_anon 0\nworkingset_refault_file 12\nworkingset_activate_anon 0\n"
            f"workingset_activate_file 3\nworkingset_restore_anon 0\nworkingset_restore_file 0\n"
            f"workingset_nodereclaim 0\npgscan 0\npgsteal 0\npgscan_kswapd 0\npgscan_direct 0\n"
            f"pgfault 291633\npgmajfault 44\npgrefill 0\npgactivate 1\npgdeactivate 0\npglazyfree 0\n"
            f"pglazyfreed 0\nthp_fault_alloc 0\nthp_collapse_alloc 0\n")

def v2_k8s_limits():
    s = Scenario("v2-k8s-limits")
    s.write("etc/passwd", PASSWD)
    POD1_UID = "3d9f2a71-8c4e-4b5a-a6d1-0e2f4c6b8a90"
    POD2_UID = "5b7e1c3a-2d4f-4a6b-8c9d-1e3f5a7b9c0d"
    POD1 = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + POD1_UID.replace("-", "_") + ".slice"
    POD2 = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + POD2_UID.replace("-", "_") + ".slice"
    WEB = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
    BATCH = "b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c"
    host_mi = """22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
23 28 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
24 28 0:5 / /dev rw,nosuid,relatime shared:2 - devtmpfs udev rw,size=8168804k,nr_inodes=2042201,mode=755
26 28 0:24 / /run rw,nosuid,nodev,noexec,relatime shared:5 - tmpfs tmpfs rw,size=1638556k,mode=755
28 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro
29 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
"""
    def ctr_mi(cgpath):
        # A container in its own cgroup namespace sees its cgroup as the root.
        return ("1301 1280 0:90 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
                "1302 1301 0:93 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
                "1308 1301 0:96 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
                f"1309 1308 0:26 {cgpath} /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup ro,nsdelegate,memory_recursiveprot\n")
    cg = lambda p: f"0::{p}\n"
    fds = {0: "/dev/null", 1: "/dev/null", 2: "/dev/null"}
    s.proc(1, "systemd", 0, HOST, cg("/init.scope"), ["/sbin/init"], host_mi, 4, fds=fds)
    s.proc(2, "kthreadd", 0, HOST, cg("/"), [], host_mi, 4, kernel=True)
    s.proc(655, "containerd", 1, HOST, cg("/system.slice/containerd.service"), ["/usr/bin/containerd"], host_mi, 640, fds=fds)
    s.proc(2080, "containerd-shim", 1, HOST, cg("/system.slice/containerd.service"), ["/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", WEB], host_mi, 10200, fds=fds)
    web_ns = ns_with(cgroup=4026532725, ipc=4026532712, mnt=4026532723, net=4026532710, pid=4026532724, uts=4026532711)
    s.proc(2160, "nginx", 2080, web_ns, cg(f"{POD1}/cri-containerd-{WEB}.scope"), ["nginx: master process nginx -g daemon off;"], ctr_mi(f"{POD1}/cri-containerd-{WEB}.scope"), 10390, nspids=[2160, 1], fds=fds)
    s.proc(2300, "containerd-shim", 1, HOST, cg("/system.slice/containerd.service"), ["/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", BATCH], host_mi, 12200, fds=fds)
    batch_ns = ns_with(cgroup=4026532825, ipc=4026532812, mnt=4026532823, net=4026532810, pid=4026532824, uts=4026532811)
    s.proc(2360, "python3", 2300, batch_ns, cg(f"{POD2}/cri-containerd-{BATCH}.scope"), ["python3", "/app/batch.py"], ctr_mi(f"{POD2}/cri-containerd-{BATCH}.scope"), 12390, nspids=[2360, 1], fds=fds)

    B = "/sys/fs/cgroup"
    ALL = "cpuset cpu io memory hugetlb pids rdma misc\n"
    quiet = psi(("0.00",) * 3 + (0,), ("0.00",) * 3 + (0,))
    # The root cgroup: no memory.max, cpu.max or pids.max (the kernel has none there).
    cgfiles(s, B, "/", {
        "cgroup.controllers": ALL, "cgroup.subtree_control": ALL,
        "cpu.pressure": psi(("2.04", "1.51", "0.80", 98123456), ("0.00", "0.00", "0.00", 0)),
        "memory.pressure": quiet, "io.pressure": quiet,
        "cpu.stat": "usage_usec 889123456\nuser_usec 600000000\nsystem_usec 289123456\nnice_usec 0\n",
        "cpuset.cpus.effective": "0-3\n", "cpuset.mems.effective": "0\n",
    })
    def level(path, controllers, subtree, files):
        f = {"cgroup.controllers": controllers, "cgroup.subtree_control": subtree,
             "cpu.pressure": quiet, "memory.pressure": quiet, "io.pressure": quiet}
        f.update(files)
        cgfiles(s, B, path, f)
    mem = lambda mx, cur: {"memory.max": mx, "memory.high": "max\n", "memory.low": "0\n", "memory.min": "0\n",
                           "memory.swap.max": "max\n", "memory.current": cur,
                           "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n"}
    cpu = lambda mx, w: {"cpu.max": mx, "cpu.weight": w, "cpu.stat": "usage_usec 1000\nuser_usec 600\nsystem_usec 400\nnice_usec 0\nnr_periods 0\nnr_throttled 0\nthrottled_usec 0\nnr_bursts 0\nburst_usec 0\n",
                         "cpuset.cpus.effective": "0-3\n", "cpuset.mems.effective": "0\n"}
    pids = lambda mx, cur: {"pids.max": mx, "pids.current": cur, "pids.events": "max 0\n"}
    # kubepods.slice: node allocatable memory and kubelet's pod pids limit.
    level("/kubepods.slice", ALL, ALL, {**mem("7851081728\n", "1052672000\n"), **cpu("max 100000\n", "151\n"), **pids("1024\n", "41\n")})
    level("/kubepods.slice/kubepods-burstable.slice", ALL, ALL, {**mem("max\n", "402653184\n"), **cpu("max 100000\n", "86\n"), **pids("max\n", "12\n")})
    level("/kubepods.slice/kubepods-besteffort.slice", ALL, ALL, {**mem("max\n", "60817408\n"), **cpu("max 100000\n", "1\n"), **pids("max\n", "3\n")})
    # Pod 1 (burstable): its limits are the pod's sum, set on the pod slice.
    level(POD1, ALL, ALL, {**mem("268435456\n", "130023424\n"), **cpu("50000 100000\n", "39\n"), **pids("max\n", "6\n")})
    web = f"{POD1}/cri-containerd-{WEB}.scope"
    level(web, ALL, "", {
        **mem("max\n", "123531264\n"), **cpu("max 100000\n", "39\n"), **pids("max\n", "5\n"),
        "memory.peak": "201326592\n",
        "memory.events": "low 0\nhigh 0\nmax 31\noom 2\noom_kill 2\noom_group_kill 0\n",
        "memory.events.local": "low 0\nhigh 0\nmax 31\noom 2\noom_kill 2\noom_group_kill 0\n",
        "memory.stat": v2_memory_stat(anon=83886080, file=36700160, kernel=2945024, shmem=1048576, slab=2097152, sock=4096),
        "memory.oom.group": "1\n",
        "cpu.stat": "usage_usec 73456789\nuser_usec 50000000\nsystem_usec 23456789\nnice_usec 0\nnr_periods 8400\nnr_throttled 1215\nthrottled_usec 64300123\nnr_bursts 0\nburst_usec 0\n",
        "pids.events": "max 3\n",
        "io.max": "", "io.weight": "default 100\n",
        "cpu.pressure": psi(("12.50", "8.25", "3.10", 41234567), ("9.75", "6.00", "2.20", 30111222)),
        "memory.pressure": psi(("0.40", "0.10", "0.02", 523411), ("0.30", "0.08", "0.01", 401233)),
        "io.pressure": psi(("0.00", "0.00", "0.00", 1200), ("0.00", "0.00", "0.00", 900)),
    })
    # Pod 2 (besteffort) does not enable memory for its containers: the
    # container's cgroup has no memory.* and its memory is charged to the pod slice.
    level(POD2, ALL, "cpu pids\n", {**mem("max\n", "60817408\n"), **cpu("max 100000\n", "1\n"), **pids("max\n", "2\n"),
                                      "memory.stat": v2_memory_stat(anon=50331648, file=41943040, kernel=1048576, shmem=0, slab=524288, sock=0)})
    level(f"{POD2}/cri-containerd-{BATCH}.scope", "cpu pids\n", "", {**cpu("max 100000\n", "1\n"), **pids("max\n", "2\n")})
    s.finish(HEADER)

V1_UNLIMITED = "9223372036854771712\n"

def v1_memory_stat(cache, rss, shmem, mapped, total_cache, total_rss, total_shmem, total_mapped, limit):
    return (f"cache {cache}\nrss {rss}\nrss_huge 0\nshmem {shmem}\nmapped_file {mapped}\ndirty 0\nwriteback 0\n"
            f"swap 0\npgpgin 81050\npgpgout 77064\npgfault 98350\npgmajfault 0\ninactive_anon {rss}\nactive_anon {shmem}\n"
            f"inactive_file {cache - shmem}\nactive_file 0\nunevictable 0\n"
            f"hierarchical_memory_limit {limit}\nhierarchical_memsw_limit 9223372036854771712\n"
            f"total_cache {total_cache}\ntotal_rss {total_rss}\ntotal_rss_huge 0\ntotal_shmem {total_shmem}\n"
            f"total_mapped_file {total_mapped}\ntotal_dirty 0\ntotal_writeback 0\ntotal_swap 0\ntotal_pgpgin 81050\n"
            f"total_pgpgout 77064\ntotal_pgfault 98350\ntotal_pgmajfault 0\ntotal_inactive_anon {total_rss}\n"
            f"total_active_anon {total_shmem}\ntotal_inactive_file {total_cache - total_shmem}\ntotal_active_file 0\n"
            f"total_unevictable 0\n")

def v1_cgroupfs():
    s = Scenario("v1-cgroupfs")
    s.write("etc/passwd", PASSWD)
    POD_UID = "8a4d2c1e-5b3f-4e6a-9d7c-0f1e2d3c4b5a"
    POD = f"/kubepods/burstable/pod{POD_UID}"
    APP = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    CTR = f"{POD}/{APP}"
    # The hierarchies live under /cgroup, not /sys/fs/cgroup; cpu and cpuacct share one.
    host_mi = """22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
23 28 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
28 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
40 28 0:35 / /cgroup rw,nosuid,nodev,noexec,relatime shared:20 - tmpfs cgroup_root rw,mode=755
41 40 0:36 / /cgroup/memory rw,nosuid,nodev,noexec,relatime shared:21 - cgroup memory rw,memory
42 40 0:37 / /cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:22 - cgroup cpu,cpuacct rw,cpu,cpuacct
43 40 0:38 / /cgroup/pids rw,nosuid,nodev,noexec,relatime shared:23 - cgroup pids rw,pids
44 40 0:39 / /cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:24 - cgroup cpuset rw,cpuset
45 40 0:40 / /cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:25 - cgroup systemd rw,xattr,release_agent=/lib/systemd/systemd-cgroups-agent,name=systemd
"""
    def cg(path, systemd=None):
        return (f"5:name=systemd:{systemd or path}\n4:cpuset:{path}\n3:pids:{path}\n"
                f"2:cpu,cpuacct:{path}\n1:memory:{path}\n0::/\n")
    ctr_mi = ("2201 2180 0:90 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n"
              "2202 2201 0:93 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n")
    fds = {0: "/dev/null", 1: "/dev/null", 2: "/dev/null"}
    s.proc(1, "systemd", 0, HOST, cg("/", "/init.scope"), ["/sbin/init"], host_mi, 4, fds=fds)
    s.proc(2, "kthreadd", 0, HOST, cg("/"), [], host_mi, 4, kernel=True)
    s.proc(703, "containerd", 1, HOST, cg("/", "/system.slice/containerd.service"), ["/usr/bin/containerd"], host_mi, 640, fds=fds)
    s.proc(3050, "containerd-shim", 1, HOST, cg("/", "/system.slice/containerd.service"), ["/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", APP], host_mi, 20100, fds=fds)
    app_ns = ns_with(ipc=4026532612, mnt=4026532623, net=4026532610, pid=4026532624, uts=4026532611)
    s.proc(3100, "java", 3050, app_ns, cg(CTR), ["java", "-jar", "/app/service.jar"], ctr_mi, 20190, nspids=[3100, 1], fds=fds)

    MEM, CPU, PIDS, CPUSET = "/cgroup/memory", "/cgroup/cpu,cpuacct", "/cgroup/pids", "/cgroup/cpuset"
    oom = lambda kills: f"oom_kill_disable 0\nunder_oom 0\noom_kill {kills}\n"
    def memlevel(path, limit, usage, maxusage, failcnt, kills, stat):
        cgfiles(s, MEM, path, {
            "memory.limit_in_bytes": limit, "memory.memsw.limit_in_bytes": V1_UNLIMITED,
            "memory.soft_limit_in_bytes": V1_UNLIMITED, "memory.usage_in_bytes": usage,
            "memory.max_usage_in_bytes": maxusage, "memory.failcnt": failcnt, "memory.oom_control": oom(kills),
            "memory.stat": stat, "memory.use_hierarchy": "1\n", "cgroup.procs": "", "tasks": "",
        })
    memlevel("/", V1_UNLIMITED, "3120562176\n", "4012396544\n", "0\n", 1,
             v1_memory_stat(9625600, 6701056, 8998912, 7499776, 765030400, 63434752, 8998912, 95584256, 9223372036854771712))
    memlevel("/kubepods", "7851081728\n", "734003200\n", "901775360\n", "0\n", 1,
             v1_memory_stat(0, 0, 0, 0, 400000000, 300000000, 1048576, 20000000, 7851081728))
    memlevel("/kubepods/burstable", V1_UNLIMITED, "300000000\n", "420000000\n", "0\n", 1,
             v1_memory_stat(0, 0, 0, 0, 150000000, 140000000, 1048576, 10000000, 7851081728))
    memlevel(POD, "536870912\n", "106000000\n", "536870912\n", "7\n", 1,
             v1_memory_stat(0, 0, 0, 0, 30000000, 75000000, 524288, 5000000, 536870912))
    memlevel(CTR, V1_UNLIMITED, "104857600\n", "157286400\n", "7\n", 1,
             v1_memory_stat(29360128, 73400320, 524288, 4194304, 29360128, 73400320, 524288, 4194304, 536870912))
    def cpulevel(path, quota, period, shares, stat, usage_ns):
        cgfiles(s, CPU, path, {"cpu.cfs_quota_us": quota, "cpu.cfs_period_us": period, "cpu.shares": shares,
                               "cpu.stat": stat, "cpuacct.usage": usage_ns, "cgroup.procs": "", "tasks": ""})
    calm = "nr_periods 0\nnr_throttled 0\nthrottled_time 0\nnr_bursts 0\nburst_time 0\n"
    cpulevel("/", "-1\n", "100000\n", "1024\n", calm, "3253371142000\n")
    cpulevel("/kubepods", "-1\n", "100000\n", "3892\n", calm, "800000000000\n")
    cpulevel("/kubepods/burstable", "-1\n", "100000\n", "1126\n", calm, "400000000000\n")
    cpulevel(POD, "100000\n", "100000\n", "512\n", "nr_periods 5000\nnr_throttled 240\nthrottled_time 15000000000\nnr_bursts 0\nburst_time 0\n", "98800000000\n")
    cpulevel(CTR, "-1\n", "100000\n", "512\n", "nr_periods 0\nnr_throttled 0\nthrottled_time 0\nnr_bursts 0\nburst_time 0\n", "98765432100\n")
    # pids: the root has no pids.max; kubelet's --pod-max-pids goes on the pod.
    cgfiles(s, PIDS, "/", {"pids.current": "412\n", "cgroup.procs": "", "tasks": ""})
    for path, mx, cur, ev in [("/kubepods", "max\n", "60\n", "max 0\n"), ("/kubepods/burstable", "max\n", "30\n", "max 0\n"),
                              (POD, "1024\n", "28\n", "max 0\n"), (CTR, "max\n", "27\n", "max 0\n")]:
        cgfiles(s, PIDS, path, {"pids.max": mx, "pids.current": cur, "pids.events": ev, "cgroup.procs": "", "tasks": ""})
    for path, cpus in [("/", "0-7"), ("/kubepods", "0-7"), ("/kubepods/burstable", "0-7"), (POD, "0-7"), (CTR, "2-3")]:
        cgfiles(s, CPUSET, path, {"cpuset.cpus": cpus + "\n", "cpuset.effective_cpus": cpus + "\n",
                                  "cpuset.mems": "0\n", "cpuset.effective_mems": "0\n", "cgroup.procs": "", "tasks": ""})
    s.finish(HEADER)
v2_k8s_limits()
v1_cgroupfs()
