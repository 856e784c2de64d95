// fastpath.c: `nsx enter PID -- COMMAND [ARG...]` without starting Go.
//
// Going through Go costs: its runtime and nsx's CLI start (about 3 ms),
// Prepare reads the target, and a second copy of nsx is executed to enter
// (nsexec.c) — about 7 ms in all where nsenter takes 2. For the form that
// scripts use most, a PID and a command and no option, this file makes the
// plan package enter's Prepare would make, from the same files, in the
// constructor of the nsx the user started; that very process then enters
// and executes the command (nsexec.c, run_plan), and Go never starts.
//
// It makes the plan only where it is sure to make Go's. Any other form, a
// caller who is not root, a file it cannot read or finds unusual (escapes in
// mountinfo, a NUL in passwd, a byte above 0x7f in the hostname), a thread
// ID, a target in all of nsx's namespaces (Go says so), a user namespace that
// does not map the target's IDs (Go says why), a read-only cgroup tree (Go
// gives a hint) — every doubt returns to Go, which does the whole job.
// Nothing is changed before that decision: up to it, this file only reads.
// cmd/enter_fastpath_test.go compares the plans made here and by Go byte for
// byte, on real targets.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsexec.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

// A file larger than this is unusual for what is read here: Go's turn.
#define MAX_FILE (4 << 20)

// The types in package inspect's order (AllNSTypes), the order of Go's
// "ns" records.
static const char *const ns_names[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts", NULL};

char *nsx_read_fd(int fd, size_t *len, size_t max) {
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		return NULL;
	for (;;) {
		if (n == cap) {
			char *nb = cap < max ? realloc(buf, 2 * cap + 1) : NULL;
			if (!nb) {
				free(buf);
				errno = cap < max ? ENOMEM : EFBIG;
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += r;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

// read_file reads a whole file, NUL-terminated; NULL on any error.
static char *read_file(const char *path, size_t *len) {
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = nsx_read_fd(fd, len, MAX_FILE);
	close(fd);
	return buf;
}

static char *read_proc(long pid, const char *what, size_t *len) {
	char path[128];
	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, what);
	return read_file(path, len);
}

// The plan's records, NUL-separated KEY=VALUE, as Plan.encode writes them.
struct records {
	char *d;
	size_t n, cap;
	int failed;
};

static void add_bytes(struct records *r, const char *s, size_t n) {
	if (r->failed)
		return;
	if (r->n + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		while (r->n + n + 1 > cap)
			cap *= 2;
		char *d = realloc(r->d, cap);
		if (!d) {
			r->failed = 1;
			return;
		}
		r->d = d;
		r->cap = cap;
	}
	memcpy(r->d + r->n, s, n);
	r->n += n;
}

static void add_record(struct records *r, const char *key, const char *val, size_t vlen) {
	add_bytes(r, key, strlen(key));
	add_bytes(r, "=", 1);
	add_bytes(r, val, vlen);
	add_bytes(r, "", 1);
}

static void add_str(struct records *r, const char *key, const char *val) { add_record(r, key, val, strlen(val)); }

// add_env adds an "env" record, NAME=VALUE (vlen bytes of value).
static void add_env(struct records *r, const char *name, const char *val, size_t vlen) {
	add_bytes(r, "env=", 4);
	add_bytes(r, name, strlen(name));
	add_bytes(r, "=", 1);
	add_bytes(r, val, vlen);
	add_bytes(r, "", 1);
}

static void add_num(struct records *r, const char *key, unsigned long v) {
	char s[32];
	snprintf(s, sizeof(s), "%lu", v);
	add_str(r, key, s);
}

// parse_id reads a decimal ID ("0" to "4294967295") spanning [s, end).
static int parse_id(const char *s, const char *end, unsigned long *out) {
	if (s == end || end - s > 10)
		return -1;
	unsigned long v = 0;
	for (const char *c = s; c < end; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (*c - '0');
	}
	if (v > 0xffffffffUL)
		return -1;
	*out = v;
	return 0;
}

// status_field finds "KEY:" at the start of a line of /proc/PID/status and
// returns what follows the colon.
static const char *status_field(const char *status, const char *key) {
	size_t kl = strlen(key);
	for (const char *line = status; line && *line;) {
		if (!strncmp(line, key, kl) && line[kl] == ':')
			return line + kl + 1;
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

// field_n returns the n-th whitespace-separated field after p (same line),
// its end in *end; NULL if there is none.
static const char *field_n(const char *p, int n, const char **end) {
	for (int i = 0;; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			return NULL;
		const char *e = p;
		while (*e && *e != ' ' && *e != '\t' && *e != '\n')
			e++;
		if (i == n) {
			*end = e;
			return p;
		}
		p = e;
	}
}

#define MAX_IDS 256

struct creds {
	unsigned long uid, gid;
	unsigned long groups[MAX_IDS];
	int ngroups;
};

// parse_status takes the effective uid and gid and the groups; the target
// must be a process, not a thread of one (Go enters its thread group).
static int parse_status(const char *status, long pid, struct creds *c) {
	const char *v, *e;
	unsigned long tgid;
	if (!(v = status_field(status, "Tgid")) || !(v = field_n(v, 0, &e)) || parse_id(v, e, &tgid) || (long)tgid != pid)
		return -1;
	if (!(v = status_field(status, "Uid")) || !(v = field_n(v, 1, &e)) || parse_id(v, e, &c->uid))
		return -1;
	if (!(v = status_field(status, "Gid")) || !(v = field_n(v, 1, &e)) || parse_id(v, e, &c->gid))
		return -1;
	const char *g = status_field(status, "Groups");
	if (!g)
		return -1;
	c->ngroups = 0;
	for (int i = 0; (v = field_n(g, i, &e)); i++) {
		if (c->ngroups == MAX_IDS || parse_id(v, e, &c->groups[c->ngroups++]))
			return -1;
	}
	return 0;
}

struct idrange {
	unsigned long inside, outside, count;
};

// parse_idmap reads a uid_map or gid_map ("INSIDE OUTSIDE COUNT" lines).
static int parse_idmap(const char *b, struct idrange *m, int *n) {
	*n = 0;
	for (const char *line = b; *line;) {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);
		const char *f[3], *fe[3];
		int k = 0;
		for (const char *p = line; p < end;) {
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			if (p == end)
				break;
			const char *q = p;
			while (q < end && *q != ' ' && *q != '\t')
				q++;
			if (k == 3)
				return -1;
			f[k] = p;
			fe[k++] = q;
			p = q;
		}
		if (k != 0) {
			if (k != 3 || *n == 64 || parse_id(f[0], fe[0], &m[*n].inside) ||
			    parse_id(f[1], fe[1], &m[*n].outside) || parse_id(f[2], fe[2], &m[*n].count))
				return -1;
			(*n)++;
		}
		line = nl ? nl + 1 : end;
	}
	return 0;
}

static int map_inside(const struct idrange *m, int n, unsigned long host, unsigned long *in) {
	for (int i = 0; i < n; i++) {
		if (host >= m[i].outside && host < m[i].outside + m[i].count) {
			*in = m[i].inside + host - m[i].outside;
			return 0;
		}
	}
	return -1;
}

// map_creds turns host IDs into the IDs inside the target's user namespace,
// as Prepare's chooseCreds does; *setgroups_ok from its setgroups file.
static int map_creds(long pid, struct creds *c, int *setgroups_ok) {
	struct idrange um[64], gm[64];
	int un, gn;
	size_t len;
	char *b;
	int ok = 0;
	if (!(b = read_proc(pid, "uid_map", &len)))
		return -1;
	ok = parse_idmap(b, um, &un);
	free(b);
	if (ok || !(b = read_proc(pid, "gid_map", &len)))
		return -1;
	ok = parse_idmap(b, gm, &gn);
	free(b);
	if (ok || !(b = read_proc(pid, "setgroups", &len)))
		return -1;
	*setgroups_ok = !strcmp(b, "allow\n") || !strcmp(b, "allow");
	free(b);
	if (map_inside(um, un, c->uid, &c->uid) || map_inside(gm, gn, c->gid, &c->gid))
		return -1;
	int k = 0;
	for (int i = 0; i < c->ngroups; i++) {
		unsigned long in;
		if (!map_inside(gm, gn, c->groups[i], &in))
			c->groups[k++] = in;
	}
	c->ngroups = k;
	return 0;
}

// ---- environment ----

// add_environment adds what Prepare's environment gives a clean one: the
// image's PATH, HOSTNAME from its /etc/hostname, HOME from its /etc/passwd,
// nsx's TERM.
static int add_environment(struct records *r, long pid, unsigned long uid) {
	size_t len;
	char *env = read_proc(pid, "environ", &len);
	if (!env)
		return -1;
	const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	size_t plen = strlen(path);
	for (size_t i = 0; i < len;) {
		const char *kv = env + i;
		size_t n = strnlen(kv, len - i);
		if (n > 5 && !memcmp(kv, "PATH=", 5)) {
			path = kv + 5;
			plen = n - 5;
		}
		i += n + 1;
	}
	add_env(r, "PATH", path, plen);
	free(env);

	char *hn = read_proc(pid, "root/etc/hostname", &len);
	if (hn) {
		// Go trims Unicode white space; this trims ASCII, so any other
		// byte is Go's to judge.
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)hn[i] > 0x7f || hn[i] == 0) {
				free(hn);
				return -1;
			}
		size_t s = 0, e = len;
		while (s < e && strchr(" \t\n\v\f\r", hn[s]))
			s++;
		while (e > s && strchr(" \t\n\v\f\r", hn[e - 1]))
			e--;
		if (e > s)
			add_env(r, "HOSTNAME", hn + s, e - s);
		free(hn);
	}

	const char *home = "/";
	size_t hlen = 1;
	char *pw = read_proc(pid, "root/etc/passwd", &len);
	char uidstr[16];
	snprintf(uidstr, sizeof(uidstr), "%lu", uid);
	if (pw && memchr(pw, 0, len)) {
		free(pw);
		return -1;
	}
	// The first line with at least 7 fields whose third is the uid.
	for (const char *line = pw; line && *line;) {
		const char *nl = strchr(line, '\n');
		const char *end = nl ? nl : line + strlen(line);
		const char *f[7], *fe[7];
		int k = 0;
		const char *p = line;
		for (;;) {
			const char *c = memchr(p, ':', end - p);
			if (k < 7) {
				f[k] = p;
				fe[k] = c ? c : end;
			}
			k++;
			if (!c)
				break;
			p = c + 1;
		}
		if (k >= 7 && (size_t)(fe[2] - f[2]) == strlen(uidstr) && !memcmp(f[2], uidstr, fe[2] - f[2])) {
			if (fe[5] > f[5]) {
				home = f[5];
				hlen = fe[5] - f[5];
			}
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	add_env(r, "HOME", home, hlen);
	free(pw);

	const char *term = getenv("TERM");
	if (term && *term)
		add_env(r, "TERM", term, strlen(term));
	return 0;
}

// ---- cgroups ----

#define MAX_MOUNTS 32
#define MAX_CTRLS 16

struct cgmount {
	int version;
	char *root, *mountpoint;
	char *ctrls[MAX_CTRLS];
	int nctrls;
};

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// next_field returns the next space-separated field of *p, NUL-terminated
// in place, advancing *p; NULL at the end of the line.
static char *next_field(char **p) {
	char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	char *e = s;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	if (*e)
		*e++ = 0;
	*p = e;
	return s;
}

// next_line cuts the next line off *cur, in place (its newline becomes a
// NUL), and advances *cur; NULL at the end.
static char *next_line(char **cur) {
	char *line = *cur;
	char *nl = line ? strchr(line, '\n') : NULL;
	if (!line || (!nl && !*line))
		return NULL;
	if (nl)
		*nl = 0;
	*cur = nl ? nl + 1 : NULL;
	return line;
}

// parse_cgroup_mounts reads the cgroup and cgroup2 mounts of a mountinfo
// (modified in place) as inspect.ParseCgroupMounts does.
static int parse_cgroup_mounts(char *b, struct cgmount *m, int *n) {
	*n = 0;
	for (char *cur = b, *line; (line = next_line(&cur));) {
		if (!*line)
			continue; // as Go's parsers skip empty lines
		char *sep = strstr(line, " - ");
		if (!sep)
			return -1;
		*sep = 0;
		char *pre = line, *post = sep + 3;
		char *pf[5];
		for (int i = 0; i < 5; i++)
			if (!(pf[i] = next_field(&pre)))
				return -1;
		char *fstype = next_field(&post);
		if (!fstype)
			return -1;
		int v = !strcmp(fstype, "cgroup") ? 1 : !strcmp(fstype, "cgroup2") ? 2 : 0;
		if (v) {
			if (*n == MAX_MOUNTS || strchr(pf[3], '\\') || strchr(pf[4], '\\'))
				return -1; // mountinfo escapes: Go's to undo
			struct cgmount *c = &m[(*n)++];
			c->version = v;
			c->root = pf[3];
			c->mountpoint = pf[4];
			c->nctrls = 0;
			char *opts = NULL;
			if (v == 1 && next_field(&post) && (opts = next_field(&post))) {
				for (char *o = opts, *comma; o; o = comma ? comma + 1 : NULL) {
					comma = strchr(o, ',');
					if (comma)
						*comma = 0;
					if (!*o || !strcmp(o, "rw") || !strcmp(o, "ro") || !strncmp(o, "release_agent=", 14) ||
					    !strcmp(o, "clone_children") || !strcmp(o, "noprefix") || !strcmp(o, "xattr") ||
					    !strcmp(o, "cpuset_v2_mode") || !strcmp(o, "favordynmods") || !strcmp(o, "nofavordynmods"))
						continue;
					if (c->nctrls == MAX_CTRLS)
						return -1;
					c->ctrls[c->nctrls++] = o;
				}
				qsort(c->ctrls, c->nctrls, sizeof(char *), cmp_str);
			}
		}
	}
	return 0;
}

struct cgline {
	int v2; // hierarchy 0 without controllers: the unified one
	char *ctrls[MAX_CTRLS];
	int nctrls;
	char *path;
};

// parse_cgroup_file reads /proc/PID/cgroup ("ID:CONTROLLERS:PATH" lines),
// modified in place.
static int parse_cgroup_file(char *b, struct cgline *l, int *n) {
	*n = 0;
	for (char *cur = b, *line; (line = next_line(&cur));) {
		if (!*line)
			continue; // as Go's parsers skip empty lines
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		unsigned long id;
		if (!c2 || *n == MAX_MOUNTS || parse_id(line, c1, &id) || id > 0x7fffffff)
			return -1;
		struct cgline *x = &l[(*n)++];
		*c2 = 0;
		x->path = c2 + 1;
		x->nctrls = 0;
		for (char *o = c1 + 1; *o;) {
			char *comma = strchr(o, ',');
			if (comma)
				*comma = 0;
			if (x->nctrls == MAX_CTRLS || !*o)
				return -1; // "a,,b": Go's to judge
			x->ctrls[x->nctrls++] = o;
			if (!comma)
				break;
			o = comma + 1;
		}
		qsort(x->ctrls, x->nctrls, sizeof(char *), cmp_str);
		x->v2 = id == 0 && x->nctrls == 0;
	}
	return 0;
}

// clean says whether a cgroup path needs no cleaning: Go's filepath.Join
// would clean it, this file does not, so an unclean one is Go's.
static int clean(const char *p) {
	if (p[0] != '/')
		return 0;
	if (!strcmp(p, "/"))
		return 1;
	size_t n = strlen(p);
	return p[n - 1] != '/' && !strstr(p, "//") && !strstr(p, "/./") && !strstr(p, "/../") &&
	       !(n >= 2 && !strcmp(p + n - 2, "/.")) && !(n >= 3 && !strcmp(p + n - 3, "/.."));
}

// cgroup_dirs lists, as inspect's CgroupDirs does, the directory of each
// hierarchy's cgroup of the process whose /proc/PID/cgroup is b.
static int cgroup_dirs(struct cgmount *m, int nm, char *b, char dirs[][4096], int *nd) {
	struct cgline lines[MAX_MOUNTS];
	int nl;
	*nd = 0;
	if (parse_cgroup_file(b, lines, &nl))
		return -1;
	for (int i = 0; i < nm; i++) {
		const char *path = NULL;
		for (int j = 0; j < nl && !path; j++) {
			if (m[i].version == 2 && lines[j].v2)
				path = lines[j].path;
			if (m[i].version == 1 && lines[j].nctrls > 0 && lines[j].nctrls == m[i].nctrls) {
				int same = 1;
				for (int k = 0; k < m[i].nctrls; k++)
					same &= !strcmp(m[i].ctrls[k], lines[j].ctrls[k]);
				if (same)
					path = lines[j].path;
			}
		}
		if (!path)
			continue;
		if (!clean(path) || !clean(m[i].mountpoint))
			return -1;
		const char *rel = path;
		if (strcmp(m[i].root, "/")) {
			size_t rl = strlen(m[i].root);
			if (strncmp(path, m[i].root, rl) || (path[rl] && path[rl] != '/'))
				continue; // not below this mount's root
			rel = path + rl;
		}
		if (!*rel || !strcmp(rel, "/"))
			snprintf(dirs[*nd], 4096, "%s", m[i].mountpoint);
		else if (!strcmp(m[i].mountpoint, "/"))
			snprintf(dirs[*nd], 4096, "%s", rel);
		else
			snprintf(dirs[*nd], 4096, "%s%s", m[i].mountpoint, rel);
		(*nd)++;
	}
	return 0;
}

// add_cgroups adds the target's cgroups nsx is not in already.
static int add_cgroups(struct records *r, long pid) {
	size_t len;
	char *mi = read_file("/proc/1/mountinfo", &len);
	if (!mi)
		mi = read_file("/proc/self/mountinfo", &len);
	if (!mi)
		return -1;
	struct cgmount m[MAX_MOUNTS];
	int nm, ret = -1;
	char *theirs = NULL, *ours = NULL;
	static char tdirs[MAX_MOUNTS][4096], odirs[MAX_MOUNTS][4096];
	int nt, no;
	if (parse_cgroup_mounts(mi, m, &nm))
		goto out;
	int v1 = 0, v2 = 0;
	for (int i = 0; i < nm; i++) {
		int named = 0;
		for (int k = 0; k < m[i].nctrls; k++)
			named |= !strncmp(m[i].ctrls[k], "name=", 5);
		v1 |= m[i].version == 1 && m[i].nctrls > 0 && !named;
		v2 |= m[i].version == 2;
	}
	if (!v1 && !v2) {
		ret = 0; // no hierarchy: Go joins none
		goto out;
	}
	if (!(theirs = read_proc(pid, "cgroup", &len)) || !(ours = read_file("/proc/self/cgroup", &len)) ||
	    cgroup_dirs(m, nm, theirs, tdirs, &nt) || cgroup_dirs(m, nm, ours, odirs, &no))
		goto out;
	for (int i = 0; i < nt; i++) {
		int own = 0;
		for (int j = 0; j < no; j++)
			own |= !strcmp(tdirs[i], odirs[j]);
		if (own)
			continue;
		struct statvfs sv;
		if (statvfs(tdirs[i], &sv) < 0 || (sv.f_flag & ST_RDONLY))
			goto out; // Go explains a read-only cgroup tree
		add_str(r, "cgroup", tdirs[i]);
	}
	ret = 0;
out:
	free(mi);
	free(theirs);
	free(ours);
	return ret;
}

// ---- the plan ----

static int digits(const char *s) {
	if (!*s || strlen(s) > 9)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int nsx_fast_plan(int argc, char **argv, char **plan, size_t *plan_len, int *pidfd) {
	if (argc < 5 || strcmp(argv[1], "enter") || !digits(argv[2]) || strcmp(argv[3], "--") || geteuid() != 0)
		return 0;
	long pid = strtol(argv[2], NULL, 10);
	if (pid <= 0)
		return 0;
	// Opened first, the pidfd pins the process all the reads below are
	// about: setns through it fails if the PID was reused meanwhile.
	int fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0 && errno != ENOSYS)
		return 0;
	struct records r = {0};
	struct creds c;
	size_t len;
	char *status = read_proc(pid, "status", &len);
	if (!status || parse_status(status, pid, &c)) {
		free(status);
		goto fallback;
	}
	free(status);

	add_num(&r, "pid", pid);
	int types = 0, user = 0;
	for (const char *const *t = ns_names; *t; t++) {
		char what[64], theirs[128], ours[128];
		snprintf(what, sizeof(what), "/proc/%ld/ns/%s", pid, *t);
		ssize_t n = readlink(what, theirs, sizeof(theirs) - 1);
		if (n < 0)
			goto fallback; // a type this kernel lacks, or an error: Go's
		theirs[n] = 0;
		snprintf(what, sizeof(what), "/proc/self/ns/%s", *t);
		ssize_t m = readlink(what, ours, sizeof(ours) - 1);
		if (m >= 0) {
			ours[m] = 0;
			if (!strcmp(ours, theirs))
				continue;
		}
		add_str(&r, "ns", *t);
		types++;
		user |= !strcmp(*t, "user");
	}
	if (!types)
		goto fallback;
	int setgroups_ok = 1;
	if (user && map_creds(pid, &c, &setgroups_ok))
		goto fallback;
	if (add_cgroups(&r, pid))
		goto fallback;
	add_str(&r, "root", "1");
	add_str(&r, "cwd", "1");
	add_num(&r, "uid", c.uid);
	add_num(&r, "gid", c.gid);
	char groups[MAX_IDS * 11 + 1] = "";
	size_t gl = 0;
	for (int i = 0; i < c.ngroups; i++)
		gl += snprintf(groups + gl, sizeof(groups) - gl, "%s%lu", i ? "," : "", c.groups[i]);
	add_str(&r, "groups", groups);
	add_str(&r, "setgroups", setgroups_ok ? "1" : "0");
	if (add_environment(&r, pid, c.uid))
		goto fallback;
	for (int i = 4; i < argc; i++)
		add_str(&r, "arg", argv[i]);
	if (r.failed)
		goto fallback;
	*plan = r.d;
	*plan_len = r.n;
	*pidfd = fd;
	return 1;
fallback:
	free(r.d);
	if (fd >= 0)
		close(fd);
	return 0;
}
