// spawn: the process factory of bench/ls.sh.
//
// Usage: spawn COUNT
//
// Forks COUNT children that do nothing but wait, prints "ready COUNT" on
// stdout once they all exist, then waits forever. bench/ls.sh runs one
// spawn per namespace set as PID 1 of a fresh pid namespace (unshare
// --fork --pid --kill-child ...), so killing that unshare kills spawn, and
// the kernel then kills every child in the namespace: nothing can outlive
// the benchmark.
//
// Why fork without exec: a shell loop of `sleep 3600 &` costs a fork and an
// exec per process, about a millisecond each on a small VM; a bare fork of a
// static binary costs tens of microseconds and shares every page with its
// parent, so 20,000 processes start in a second or two and use little memory.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: spawn COUNT\n");
		return 2;
	}
	char *end;
	long count = strtol(argv[1], &end, 10);
	if (*end != '\0' || count < 0) {
		fprintf(stderr, "spawn: bad COUNT %s\n", argv[1]);
		return 2;
	}
	pid_t self = getpid();
	for (long i = 0; i < count; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			// Report, and let bench/ls.sh notice the missing "ready".
			perror("spawn: fork");
			return 1;
		}
		if (pid == 0) {
			// Belt and braces: die with the parent even outside a pid
			// namespace (the kernel already does it inside one).
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != self)
				_exit(0);
			for (;;)
				pause();
		}
	}
	printf("ready %ld\n", count);
	fflush(stdout);
	// As a pid namespace's init, reap whatever exits; then just wait.
	for (;;) {
		if (wait(NULL) < 0 && errno == ECHILD)
			pause();
	}
}
