// nsexec.h: what nsexec.c and fastpath.c share.
#ifndef NSX_NSEXEC_H
#define NSX_NSEXEC_H

#include <stddef.h>

// nsx_fast_plan makes the plan of `nsx enter PID -- COMMAND [ARG...]` (argv
// of the nsx the user started) as package enter would, in the records
// Plan.encode writes (NUL-separated KEY=VALUE). It returns 1 with the plan
// in *plan (malloc'd, *plan_len bytes) and a pidfd of the target in *pidfd
// (-1 on kernels without pidfd_open); 0 when Go is to do the job, having
// changed nothing.
int nsx_fast_plan(int argc, char **argv, char **plan, size_t *plan_len, int *pidfd);

// nsx_read_fd reads fd to its end into a malloc'd, NUL-terminated buffer
// of *len bytes; NULL with errno set on an error, or EFBIG beyond max bytes.
char *nsx_read_fd(int fd, size_t *len, size_t max);

#endif
