// floor: the least work any `lsns`-like tool must do, for bench/ls.sh.
//
// It lists /proc and readlink()s /proc/PID/ns/{cgroup,ipc,mnt,net,pid,time,
// user,uts} for every PID, one system call per process and namespace type,
// single-threaded, and prints only two counts: processes and links read.
// Nothing is parsed, grouped or rendered, so nsx's time over this floor is
// the cost of everything it does beyond identifying namespaces.
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <unistd.h>

static const char *const types[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};

int main(void) {
	DIR *proc = opendir("/proc");
	if (proc == NULL) {
		perror("floor: opendir /proc");
		return 1;
	}
	long procs = 0, links = 0;
	char path[64], target[128];
	struct dirent *e;
	while ((e = readdir(proc)) != NULL) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		procs++;
		for (unsigned t = 0; t < sizeof types / sizeof types[0]; t++) {
			snprintf(path, sizeof path, "/proc/%s/ns/%s", e->d_name, types[t]);
			if (readlink(path, target, sizeof target) > 0)
				links++;
		}
	}
	closedir(proc);
	printf("%ld %ld\n", procs, links);
	return 0;
}
