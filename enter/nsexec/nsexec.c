// nsexec: the part of `nsx enter` that must run before Go's runtime starts.
//
// setns(2) into a user namespace, and into a mount namespace, is refused to
// a multi-threaded process, and Go's runtime starts threads before any Go
// code runs. So nsx re-executes itself with _NSX_ENTER set, and this
// constructor, which runs first, does the whole switch while the process is
// still single-threaded, then executes the command: the Go runtime of the
// re-executed nsx never starts. (runc's nsexec works the same way.)
//
// The plan comes from the parent nsx on fd 3, as NUL-separated KEY=VALUE
// records (values may hold any byte but NUL):
//
//   pid=N            the target process (its /proc/N/ns/* are entered)
//   ns=TYPE          a namespace type to enter (repeated): cgroup ipc mnt
//                    net pid time user uts
//   cgroup=DIR       a cgroup directory to join, on the host (repeated)
//   root=1 | rootpath=PATH   chroot to the target's root (/proc/N/root), or
//                    to PATH in the entered mount namespace
//   cwd=1 | cwdpath=PATH     chdir to the target's cwd, or to PATH
//                    (neither, nor a root record: nsx's root and cwd)
//   uid=N gid=N groups=A,B,... setgroups=0|1   credentials to take
//   capbnd/capprm/capeff/capinh/capamb=HEX     capability sets to take
//   nnp=1            set no_new_privs
//   label=TEXT       the LSM label for the executed command
//   env=K=V          the command's environment (repeated, in order)
//   arg=A            argv (repeated, in order); argv[0] is looked up in the
//                    environment's PATH inside the target
//   testhold=1       (test builds only) stop after entering, before exec
//
// fd 4 is the error channel: close-on-exec, so the parent reads EOF once
// the command runs, or one line saying which step failed and why. fd 5, if
// present, is a pidfd of the target: with it the namespaces are entered at
// once (setns(pidfd, flags), Linux 5.8), and it proves the PID was not
// reused; without it, each /proc/N/ns file is entered in turn.
//
// When a pid namespace is entered, only children land in it: this process
// forks, the child goes on, and the parent stays to relay signals and the
// child's exit status (as nsenter does).

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nsexec.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define PLAN_FD 3
#define ERR_FD 4
#define PIDFD_FD 5
#define MAX_RECORDS 4096

extern char **environ;

static int err_fd = -1;

// fast is set when this process is the nsx the user started, taking the
// fast path (fastpath.c): no Go parent reads err_fd, errors go to stderr.
static int fast;

// failc reports a failed step and exits with CODE, the exit status nsx
// gives (1, or 126/127 for a command that cannot be executed, as shells
// do). To the Go parent the record is "CODE message" on err_fd, and it
// prints the message once, as "nsx: ..." (with a hint where it has one); on
// the fast path it is printed here, the same way.
static void failc(int code, int errnum, const char *fmt, va_list ap) {
	char msg[1400];
	int n = fast ? snprintf(msg, sizeof(msg), "nsx: ") : snprintf(msg, sizeof(msg), "%d ", code);
	int m = vsnprintf(msg + n, sizeof(msg) - n - 2, fmt, ap);
	if (m > 0)
		n += m;
	if (n > (int)sizeof(msg) - 400)
		n = sizeof(msg) - 400;
	if (errnum)
		n += snprintf(msg + n, 180, ": %s", strerror(errnum));
	// The fast path runs only as root (fastpath.c), so the Go side's hint
	// for a refused step is this one (cmd/enter.go, enterHint).
	if (fast && code == 1 && (errnum == EPERM || errnum == EACCES))
		n += snprintf(msg + n, 200, " (even root is refused: the target holds capabilities nsx lacks, or a security module denies it)");
	msg[n++] = '\n';
	ssize_t w = write(err_fd >= 0 ? err_fd : 2, msg, n);
	(void)w;
	_exit(code);
}

static void fail(int errnum, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	failc(1, errnum, fmt, ap);
}

static void fail_exec(int errnum, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	failc(errnum == ENOENT ? 127 : 126, errnum, fmt, ap);
}

struct nsdef {
	const char *name;
	int flag;
};

// The order of the fallback's first pass: every type but user, then user.
// nsenter's reasoning holds: a privileged caller entering a less privileged
// user namespace must join the others first, while it still may; an
// unprivileged caller gains the right to join the others by joining the
// user namespace first (the second pass).
static const struct nsdef nstypes[] = {
	{"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC},
	{"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID},
	{"mnt", CLONE_NEWNS},    {"time", CLONE_NEWTIME},     {NULL, 0},
};

struct plan {
	long pid;
	int nsflags;
	char *cgroups[64];
	int ncgroups;
	int root, cwd;
	char *rootpath, *cwdpath;
	int has_creds;
	uid_t uid;
	gid_t gid;
	gid_t groups[256];
	int ngroups;
	int setgroups_ok;
	int has_caps;
	unsigned long long capbnd, capprm, capeff, capinh, capamb;
	int nnp;
	char *label;
	char *env[MAX_RECORDS];
	int nenv;
	char *argv[MAX_RECORDS];
	int nargv;
	int testhold;
	int hosttools;
	char *tools;
};


static unsigned long long hex(const char *s) { return strtoull(s, NULL, 16); }

// parse_plan reads the records of buf (len bytes, NUL-separated KEY=VALUE,
// modified in place: the plan points into it).
static void parse_plan(struct plan *p, char *buf, size_t len) {
	for (size_t i = 0; i < len;) {
		char *rec = buf + i;
		size_t rl = strlen(rec);
		i += rl + 1;
		char *eq = strchr(rec, '=');
		if (!eq)
			fail(0, "malformed plan record %.40s", rec);
		*eq = 0;
		char *k = rec, *v = eq + 1;
		if (!strcmp(k, "pid")) {
			p->pid = strtol(v, NULL, 10);
		} else if (!strcmp(k, "ns")) {
			int found = 0;
			for (const struct nsdef *d = nstypes; d->name; d++)
				if (!strcmp(d->name, v)) {
					p->nsflags |= d->flag;
					found = 1;
				}
			if (!found)
				fail(0, "unknown namespace type %s", v);
		} else if (!strcmp(k, "cgroup")) {
			if (p->ncgroups < 64)
				p->cgroups[p->ncgroups++] = v;
		} else if (!strcmp(k, "root")) {
			p->root = 1;
		} else if (!strcmp(k, "rootpath")) {
			p->rootpath = v;
		} else if (!strcmp(k, "cwd")) {
			p->cwd = 1;
		} else if (!strcmp(k, "cwdpath")) {
			p->cwdpath = v;
		} else if (!strcmp(k, "uid")) {
			p->uid = strtoul(v, NULL, 10);
			p->has_creds = 1;
		} else if (!strcmp(k, "gid")) {
			p->gid = strtoul(v, NULL, 10);
		} else if (!strcmp(k, "groups")) {
			for (char *tok = strtok(v, ","); tok && p->ngroups < 256; tok = strtok(NULL, ","))
				p->groups[p->ngroups++] = strtoul(tok, NULL, 10);
		} else if (!strcmp(k, "setgroups")) {
			p->setgroups_ok = !strcmp(v, "1");
		} else if (!strcmp(k, "capbnd")) {
			p->capbnd = hex(v);
			p->has_caps = 1;
		} else if (!strcmp(k, "capprm")) {
			p->capprm = hex(v);
		} else if (!strcmp(k, "capeff")) {
			p->capeff = hex(v);
		} else if (!strcmp(k, "capinh")) {
			p->capinh = hex(v);
		} else if (!strcmp(k, "capamb")) {
			p->capamb = hex(v);
		} else if (!strcmp(k, "nnp")) {
			p->nnp = !strcmp(v, "1");
		} else if (!strcmp(k, "label")) {
			p->label = v;
		} else if (!strcmp(k, "env")) {
			if (p->nenv < MAX_RECORDS - 1)
				p->env[p->nenv++] = v;
		} else if (!strcmp(k, "arg")) {
			if (p->nargv < MAX_RECORDS - 1)
				p->argv[p->nargv++] = v;
		} else if (!strcmp(k, "hosttools")) {
			p->hosttools = 1;
		} else if (!strcmp(k, "tools")) {
			p->tools = v;
		} else if (!strcmp(k, "testhold")) {
#ifdef NSX_TEST_HOOKS
			p->testhold = 1;
#endif
		} else {
			fail(0, "unknown plan record %s", k);
		}
	}
	p->env[p->nenv] = NULL;
	p->argv[p->nargv] = NULL;
	if (p->pid <= 0 || p->nargv == 0)
		fail(0, "the plan names no process or no command");
}

// join_cgroups moves this process into the plan's cgroups, while it still
// sees the host's cgroup mounts. What it costs matters: a PID written to
// cgroup.procs makes the kernel take cgroup_threadgroup_rwsem for writing,
// which waits for an RCU grace period: some 19 ms for nine v1 hierarchies
// on an idle host, against 0.3 ms below (bench/cgroup-join.sh). So:
//   - v1: "0" (the writing thread) goes to each hierarchy's tasks file, a
//     move the kernel makes without that lock; this process has one thread
//     (Go's runtime has not started), so all of it moves;
//   - v2, where a thread cannot move alone: the directory is opened here,
//     and the process that goes on is created in it by
//     clone3(CLONE_INTO_CGROUP) (spawn), which takes the lock for reading
//     only; cgroup.procs remains for kernels before 5.7.
static int cgroup2_fd = -1, cgroup2_procs = -1;
static const char *cgroup2_dir;

static void write_cgroup_file(const char *dir, const char *file, const char *value) {
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail(errno, "joining cgroup %s", dir);
	ssize_t n = strlen(value);
	if (write(fd, value, n) != n)
		fail(errno, "joining cgroup %s", dir);
	close(fd);
}

static void join_cgroups(struct plan *p) {
	for (int i = 0; i < p->ncgroups; i++) {
		const char *dir = p->cgroups[i];
		struct statfs sfs;
		if (statfs(dir, &sfs) < 0)
			fail(errno, "joining cgroup %s", dir);
		if (sfs.f_type != CGROUP2_SUPER_MAGIC) {
			write_cgroup_file(dir, "tasks", "0");
		} else if (cgroup2_fd < 0) {
			char procs[4096];
			snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
			cgroup2_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			// Opened now, while the host's mounts are in view, for the
			// kernels without CLONE_INTO_CGROUP (spawn).
			cgroup2_procs = open(procs, O_WRONLY | O_CLOEXEC);
			if (cgroup2_fd < 0 || cgroup2_procs < 0)
				fail(errno, "joining cgroup %s", dir);
			cgroup2_dir = dir;
		}
		// A second v2 directory is the same cgroup seen through another
		// mount: the kernel has one v2 hierarchy.
	}
}

struct clone_args_v2 {
	unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
	    set_tid_size, cgroup;
};

// spawn forks: the child goes on, in the plan's v2 cgroup if it has one
// (it starts there, see join_cgroups).
static pid_t spawn(void) {
	if (cgroup2_fd >= 0) {
		struct clone_args_v2 a = {0};
		a.flags = CLONE_INTO_CGROUP;
		a.exit_signal = SIGCHLD;
		a.cgroup = cgroup2_fd;
		// With no stack given, clone3 returns twice like fork(2); this
		// process has a single thread, so nothing of libc's is mid-way.
		long r = syscall(SYS_clone3, &a, sizeof(a));
		if (r >= 0)
			return r;
		// ENOSYS: before 5.3; E2BIG or EINVAL: CLONE_INTO_CGROUP is 5.7.
		if (errno != ENOSYS && errno != E2BIG && errno != EINVAL)
			fail(errno, "joining cgroup %s", cgroup2_dir);
		char pid[32];
		int n = snprintf(pid, sizeof(pid), "%d", getpid());
		if (write(cgroup2_procs, pid, n) != n)
			fail(errno, "joining cgroup %s", cgroup2_dir);
	}
	return fork();
}

static int open_proc(long pid, const char *what, int flags) {
	char path[128];
	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, what);
	return open(path, flags | O_CLOEXEC);
}

// enter_namespaces joins the namespaces of types (a subset of the plan's):
// all at once through the pidfd when the kernel can, else one
// /proc/PID/ns file at a time. It is called twice when a v2 cgroup is to be
// joined: the cgroup namespace comes last, after spawn (see run_plan).
static int ns_fds[16];
static int ns_fds_open;

static void enter_namespaces(struct plan *p, int pidfd, int types) {
	if (!types)
		return;
	if (pidfd >= 0) {
		if (setns(pidfd, types) == 0)
			return;
		// EINVAL: a kernel older than 5.8 takes no pidfd here. Any other
		// error is the real answer, but the per-type path names the type.
		if (errno != EINVAL && errno != EPERM)
			fail(errno, "entering the namespaces of %ld", p->pid);
	}
	const int n = sizeof(nstypes) / sizeof(nstypes[0]) - 1;
	if (!ns_fds_open) {
		// Every file the plan needs is opened at once: once in the
		// target's mount namespace, /proc is its own.
		for (int i = 0; i < n; i++) {
			ns_fds[i] = -1;
			if (!(p->nsflags & nstypes[i].flag))
				continue;
			char what[32];
			snprintf(what, sizeof(what), "ns/%s", nstypes[i].name);
			if ((ns_fds[i] = open_proc(p->pid, what, O_RDONLY)) < 0)
				fail(errno, "entering %s namespace of %ld: opening /proc/%ld/%s", nstypes[i].name, p->pid,
				     p->pid, what);
		}
		ns_fds_open = 1;
	}
	if (pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0)
		fail(errno, "process %ld exited while nsx entered it", p->pid);
	// Pass 0 skips the user namespace and forgives failures; pass 1 joins
	// the user namespace, then what pass 0 could not.
	for (int pass = 0; pass < 2; pass++) {
		for (int i = (pass == 0 ? 1 : 0); i < n; i++) {
			if (ns_fds[i] < 0 || !(types & nstypes[i].flag))
				continue;
			if (setns(ns_fds[i], nstypes[i].flag) == 0) {
				close(ns_fds[i]);
				ns_fds[i] = -1;
				continue;
			}
			if (pass == 1)
				fail(errno, "entering %s namespace of %ld", nstypes[i].name, p->pid);
		}
	}
}

// relay waits for the child that went on (into the pid namespace, the v2
// cgroup, or both), passing on the signals a supervisor sends, and ends as
// the child ended.
static volatile pid_t child_pid;

static void forward(int sig) {
	if (child_pid > 0)
		kill(child_pid, sig);
}

static void ignore(int sig) { (void)sig; }

static void relay(pid_t child) {
	child_pid = child;
	struct sigaction sa = {0};
	sa.sa_handler = forward;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	// The terminal sends SIGINT and SIGQUIT to its whole foreground group,
	// the command included: this process only outlives them. A handler, not
	// SIG_IGN, so that nothing ignored is inherited.
	sa.sa_handler = ignore;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	int status;
	for (;;) {
		pid_t r = waitpid(child, &status, 0);
		if (r == child)
			break;
		if (r < 0 && errno != EINTR)
			_exit(1);
	}
	// A signal's death is told as a shell tells it, 128+N, an exit status:
	// the same whichever way nsx ran (Go's side turns its child's signal
	// death into 128+N too), and no core dump of nsx for the command's.
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(WEXITSTATUS(status));
}

// drop_bounding removes from the bounding set what the target lacks; it
// needs CAP_SETPCAP, so it comes before the uid changes.
static void drop_bounding(struct plan *p) {
	if (!p->has_caps)
		return;
	for (int c = 0; c <= 63; c++) {
		if (!(p->capbnd & (1ULL << c)) && prctl(PR_CAPBSET_READ, c) == 1 &&
		    prctl(PR_CAPBSET_DROP, c) < 0)
			fail(errno, "dropping capability %d from the bounding set", c);
	}
}

static void set_creds(struct plan *p) {
	if (!p->has_creds)
		return;
	// With --inherit-security the target's capabilities are set below, so
	// a non-root uid must not lose them on the way.
	if (p->has_caps)
		prctl(PR_SET_KEEPCAPS, 1);
	if (p->setgroups_ok && setgroups(p->ngroups, p->groups) < 0)
		fail(errno, "setting supplementary groups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		fail(errno, "setting gid %u", p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		fail(errno, "setting uid %u", p->uid);
}

static void set_security(struct plan *p) {
	if (p->has_caps) {
		struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct d[2];
		d[0].effective = (unsigned)p->capeff;
		d[1].effective = (unsigned)(p->capeff >> 32);
		d[0].permitted = (unsigned)p->capprm;
		d[1].permitted = (unsigned)(p->capprm >> 32);
		d[0].inheritable = (unsigned)p->capinh;
		d[1].inheritable = (unsigned)(p->capinh >> 32);
		if (syscall(SYS_capset, &h, d) < 0)
			fail(errno, "setting capabilities");
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
		for (int c = 0; c <= 63; c++)
			if ((p->capamb & (1ULL << c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
				fail(errno, "raising ambient capability %d", c);
	}
	if (p->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(errno, "setting no_new_privs");
}

// set_label asks the LSM to give the command the target's label at exec,
// as the container runtime did.
static void set_label(struct plan *p) {
	if (!p->label || !*p->label)
		return;
	int fd = open("/proc/thread-self/attr/exec", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, p->label, strlen(p->label)) < 0)
		fail(errno, "setting the security label %s", p->label);
	close(fd);
}

// close_other_fds closes every fd but 0, 1, 2 and the error channel
// (close-on-exec): nothing of the host's may reach the command.
static void close_other_fds(void) {
	if (err_fd < 0) {
		if (syscall(SYS_close_range, 3, ~0U, 0) == 0)
			return;
	} else if (syscall(SYS_close_range, 3, err_fd - 1, 0) == 0 &&
	           syscall(SYS_close_range, err_fd + 1, ~0U, 0) == 0) {
		return;
	}
	for (int fd = 3; fd < 65536; fd++)
		if (fd != err_fd)
			close(fd);
}

// ---- --host-tools ----
//
// The command runs with the host's binaries in the target's net, pid, ipc,
// uts and cgroup namespaces, in a private mount namespace of its own whose
// root is a small tmpfs: the host's /usr, /bin, /lib*, /sbin, /etc and
// /dev bound in, a /proc of the target's pid namespace, and the target's
// root filesystem at /target. Nothing is written to the target's or the
// host's filesystems; the mounts vanish with the command.

// clone_target_root takes a detached copy of the target's mount tree. A
// mount of another mount namespace cannot be cloned from outside it (on
// most kernels), so nsx steps into the target's mount namespace for the
// open_tree(2) and back into its own.
static int clone_target_root(struct plan *p) {
	int own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
	if (own < 0)
		fail(errno, "opening nsx's own mount namespace");
	int theirs = open_proc(p->pid, "ns/mnt", O_RDONLY);
	if (theirs < 0)
		fail(errno, "opening the mount namespace of %ld", p->pid);
	if (setns(theirs, CLONE_NEWNS) < 0)
		fail(errno, "entering the mount namespace of %ld to copy its root", p->pid);
	int tree = syscall(SYS_open_tree, AT_FDCWD, "/", OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC);
	int e = errno;
	if (setns(own, CLONE_NEWNS) < 0)
		fail(errno, "returning to nsx's own mount namespace");
	if (tree < 0)
		fail(e, "copying the root filesystem of %ld (open_tree needs Linux 5.2)", p->pid);
	close(own);
	close(theirs);
	// The private copy of the host's mount table the command gets: nothing
	// mounted below propagates back to the host.
	if (unshare(CLONE_NEWNS) < 0)
		fail(errno, "making a private mount namespace");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail(errno, "making the private mount namespace private");
	return tree;
}

static void bind_host(const char *newroot, const char *name) {
	char src[256], dst[512], link[4096];
	snprintf(src, sizeof(src), "/%s", name);
	snprintf(dst, sizeof(dst), "%s/%s", newroot, name);
	struct stat st;
	if (lstat(src, &st) < 0)
		return; // this host has no such directory
	if (S_ISLNK(st.st_mode)) {
		// merged /usr: /bin -> usr/bin stays a link
		ssize_t n = readlink(src, link, sizeof(link) - 1);
		if (n < 0)
			fail(errno, "reading %s", src);
		link[n] = 0;
		if (symlink(link, dst) < 0)
			fail(errno, "linking %s", dst);
		return;
	}
	if (mkdir(dst, 0755) < 0 && errno != EEXIST)
		fail(errno, "making %s", dst);
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		fail(errno, "binding the host's %s", src);
}

// build_tools_root makes the command's root (in the child, which is in the
// target's pid namespace, so that its /proc shows the container's
// processes) and changes into it.
static void build_tools_root(struct plan *p, int tree) {
	// The host's /tmp is the mount point: in this private mount namespace
	// a tmpfs over it hides nothing from anyone else.
	const char *newroot = "/tmp";
	// The tools directory may be under /tmp, which the tools root is about
	// to cover: a copy of its mount is taken first.
	int tools = -1;
	if (p->tools) {
		tools = syscall(SYS_open_tree, AT_FDCWD, p->tools, OPEN_TREE_CLONE | AT_RECURSIVE | OPEN_TREE_CLOEXEC);
		if (tools < 0)
			fail(errno, "opening the tools directory %s", p->tools);
	}
	if (mount("nsx-tools", newroot, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=4m") < 0)
		fail(errno, "mounting the tools root");
	static const char *host_dirs[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", NULL};
	for (const char **d = host_dirs; *d; d++)
		bind_host(newroot, *d);
	static const char *own_dirs[] = {"proc", "sys", "target", "tmp", "root", "run", NULL};
	char dst[512];
	for (const char **d = own_dirs; *d; d++) {
		snprintf(dst, sizeof(dst), "%s/%s", newroot, *d);
		if (mkdir(dst, 0755) < 0 && errno != EEXIST)
			fail(errno, "making %s", dst);
	}
	snprintf(dst, sizeof(dst), "%s/proc", newroot);
	if (mount("proc", dst, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		fail(errno, "mounting /proc of the pid namespace of %ld", p->pid);
	// A sysfs of its own, mounted in the target's net namespace: its
	// /sys/class/net lists the target's interfaces (a bind of the host's
	// /sys lists the host's). The host's mounts below /sys go on top.
	snprintf(dst, sizeof(dst), "%s/sys", newroot);
	if (mount("sysfs", dst, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		fail(errno, "mounting /sys of the net namespace of %ld", p->pid);
	static const char *sys_mounts[] = {"fs/cgroup", "fs/bpf", "fs/pstore", "fs/fuse/connections",
	                                   "kernel/debug", "kernel/tracing", "kernel/security", "kernel/config", NULL};
	for (const char **d = sys_mounts; *d; d++) {
		char src[256];
		struct stat st;
		snprintf(src, sizeof(src), "/sys/%s", *d);
		snprintf(dst, sizeof(dst), "%s/sys/%s", newroot, *d);
		if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode) || stat(dst, &st) < 0)
			continue; // not on this host
		if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
			fail(errno, "binding %s", src);
	}
	snprintf(dst, sizeof(dst), "%s/tmp", newroot);
	if (mount("tmp", dst, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0)
		fail(errno, "mounting /tmp");
	snprintf(dst, sizeof(dst), "%s/target", newroot);
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		fail(errno, "attaching the root filesystem of %ld at /target", p->pid);
	close(tree);
	if (tools >= 0) {
		snprintf(dst, sizeof(dst), "%s/tools", newroot);
		if (mkdir(dst, 0755) < 0 && errno != EEXIST)
			fail(errno, "making %s", dst);
		if (syscall(SYS_move_mount, tools, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			fail(errno, "attaching the tools directory %s at /tools", p->tools);
		close(tools);
	}
	if (chdir(newroot) < 0 || chroot(".") < 0 || chdir("/") < 0)
		fail(errno, "changing root to the tools root");
}

// run_plan enters and executes the command; it returns only by exiting.
static void run_plan(struct plan *p, int pidfd) {
	int rootfd = -1, cwdfd = -1;
	if (p->root && (rootfd = open_proc(p->pid, "root", O_PATH | O_DIRECTORY)) < 0)
		fail(errno, "opening the root of %ld", p->pid);
	if (p->cwd && (cwdfd = open_proc(p->pid, "cwd", O_PATH | O_DIRECTORY)) < 0)
		fail(errno, "opening the working directory of %ld", p->pid);
	join_cgroups(p);
	int tree = -1;
	if (p->hosttools) {
		// Before any other namespace: the mount work needs the host's
		// view and nsx's full privileges.
		tree = clone_target_root(p);
	}
	// Whatever groups this process holds when it joins a user namespace
	// that denies setgroups(2), it keeps: host groups (root's, from sudo
	// or a login) that the namespace's owner could use through the
	// command. Drop them while still allowed (set_creds sets the target's
	// inside when it may); a caller who is not root may not drop them,
	// and holds only its own.
	if ((p->nsflags & CLONE_NEWUSER) && setgroups(0, NULL) < 0 && errno != EPERM)
		fail(errno, "dropping supplementary groups");
	// The kernel lets a process be created in a v2 cgroup only by one that
	// can see both its own cgroup and that one from its cgroup namespace
	// (where the hierarchy is mounted with nsdelegate, as systemd does):
	// the target's cgroup namespace is entered after spawn, by the child.
	int late = cgroup2_fd >= 0 ? p->nsflags & CLONE_NEWCGROUP : 0;
	enter_namespaces(p, pidfd, p->nsflags & ~late);

	// On the fast path nsx forks always, so that its exit status is the
	// command's, or 128+N for a signal, as through Go, not the command's own
	// death by signal.
	if ((p->nsflags & CLONE_NEWPID) || cgroup2_fd >= 0 || fast) {
		pid_t child = spawn();
		if (child < 0)
			fail(errno, "forking in the namespaces of %ld", p->pid);
		if (child > 0) {
			if (err_fd >= 0)
				close(err_fd); // the child reports; EOF must mean it ran
			err_fd = -1;
			// Nor may the relay, in the target's namespaces, keep an fd
			// of the host's (an inherited one, the --host-tools tree).
			if (syscall(SYS_close_range, 3, ~0U, 0) < 0)
				for (int fd = 3; fd < 65536; fd++)
					close(fd);
			relay(child);
		}
		// The child dies with the relay, so never outlives a killed nsx.
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	}
	enter_namespaces(p, pidfd, late);
	if (pidfd >= 0)
		close(pidfd);
	if (cgroup2_fd >= 0) {
		close(cgroup2_fd);
		close(cgroup2_procs);
	}

	if (p->hosttools) {
		build_tools_root(p, tree);
	} else if (rootfd >= 0) {
		if (fchdir(rootfd) < 0 || chroot(".") < 0)
			fail(errno, "changing root to that of %ld", p->pid);
		close(rootfd);
	} else if (p->rootpath) {
		if (chroot(p->rootpath) < 0)
			fail(errno, "changing root to %s", p->rootpath);
		if (chdir("/") < 0)
			fail(errno, "changing directory to /");
	}
	if (p->cwdpath) {
		if (chdir(p->cwdpath) < 0)
			fail(errno, "changing directory to %s", p->cwdpath);
	} else if (cwdfd >= 0) {
		if (fchdir(cwdfd) < 0)
			fail(errno, "changing directory to that of %ld", p->pid);
	}
	if (cwdfd >= 0)
		close(cwdfd);

	set_label(p);
	drop_bounding(p);
	set_creds(p);
	set_security(p);
	close_other_fds();

#ifdef NSX_TEST_HOOKS
	if (p->testhold) {
		// Tests look at this process now: entered, not yet executed. They
		// release it by closing stdin.
		char c;
		fprintf(stderr, "nsx-test: holding %d\n", getpid());
		while (read(0, &c, 1) > 0)
			;
	}
#endif

	environ = p->env;
	execvp(p->argv[0], p->argv);
	fail_exec(errno, "executing %s in the namespaces of %ld", p->argv[0], p->pid);
}

// nsexec runs before Go's runtime, in every nsx. It acts in two cases:
//   - _NSX_ENTER=1: this is the copy of nsx package enter started; the plan
//     is on fd 3, errors go to fd 4, a pidfd may be on fd 5;
//   - `nsx enter PID -- COMMAND...` typed by a user or a script, which
//     fastpath.c can plan without Go: this process enters and executes the
//     command, printing its errors itself.
// Anything else returns, and Go's nsx runs.
__attribute__((constructor)) static void nsexec(int argc, char **argv, char **envp) {
	(void)envp;
	const char *mode = getenv("_NSX_ENTER");
	char *buf = NULL;
	size_t len = 0;
	int pidfd = -1;
	if (!mode) {
		if (!nsx_fast_plan(argc, argv, &buf, &len, &pidfd))
			return;
#ifdef NSX_TEST_HOOKS
		// Tests compare this plan with Go's (cmd/enter_fastpath_test.go).
		if (getenv("_NSX_TEST_FAST_PLAN")) {
			ssize_t w = write(1, buf, len);
			_exit(w == (ssize_t)len ? 0 : 1);
		}
		// And hold the entered process, as --test-hold does on Go's path.
		if (getenv("_NSX_TEST_HOLD")) {
			static const char hold[] = "testhold=1";
			buf = realloc(buf, len + sizeof(hold));
			if (!buf)
				_exit(1);
			memcpy(buf + len, hold, sizeof(hold));
			len += sizeof(hold);
		}
#endif
		fast = 1;
	} else if (strcmp(mode, "1")) {
		return;
	}
	// No process in the container may ptrace this one or open its memory
	// or /proc/PID/exe while it holds host state: non-dumpable before any
	// namespace is joined, until exec (which resets it for the command).
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		fail(errno, "making nsx non-dumpable");
	if (!fast) {
		err_fd = ERR_FD;
		fcntl(err_fd, F_SETFD, FD_CLOEXEC);
		if (!(buf = nsx_read_fd(PLAN_FD, &len, SIZE_MAX)))
			fail(errno, "reading the plan");
		close(PLAN_FD);
		pidfd = fcntl(PIDFD_FD, F_GETFD) >= 0 ? PIDFD_FD : -1;
	}
	struct plan *p = calloc(1, sizeof(*p));
	if (!p)
		fail(ENOMEM, "planning");
	parse_plan(p, buf, len);
	run_plan(p, pidfd);
}
