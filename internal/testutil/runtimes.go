package testutil

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Gates and helpers for the live tests with podman (rootful and rootless)
// and containerd's ctr. scripts/runtimes-setup.sh provides what they need:
// the packages, the rootless user, a running containerd and the test image
// in each store.

// PodmanUser is the user scripts/runtimes-setup.sh makes for rootless
// podman, with subordinate ID ranges and an overlay storage.conf.
const PodmanUser = "nsxpod"

// CtrNamespace is containerd's namespace for the ctr tests: Kubernetes'
// own, where the CRI plugin keeps pods.
const CtrNamespace = "k8s.io"

// CtrImage is TestImage as containerd names it once imported from
// `docker save`.
const CtrImage = "docker.io/library/" + TestImage

// commandTimeout bounds a gate's probe: a hung daemon fails the gate
// instead of hanging the test binary.
const commandTimeout = 20 * time.Second

// probe runs a command and returns its combined output, trimmed.
func probe(c *exec.Cmd) (string, error) {
	out, err := c.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// bounded makes a command that is killed after commandTimeout.
func bounded(name string, args ...string) (*exec.Cmd, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	return exec.CommandContext(ctx, name, args...), cancel
}

// RequirePodman gates a test on rootful podman with the test image.
func RequirePodman(t testing.TB) {
	t.Helper()
	RequireRoot(t)
	RequireCommand(t, "podman")
	RequireCommand(t, "runc")
	c, cancel := bounded("podman", "image", "exists", TestImage)
	defer cancel()
	if out, err := probe(c); err != nil {
		skipOrFail(t, "rootful podman has no image "+TestImage+" (scripts/runtimes-setup.sh loads it): "+err.Error()+" "+out)
	}
}

// PodmanRunFlags are the flags every test's `podman run` takes:
//   - runc, not crun, which podman prefers once installed but which refuses
//     hybrid cgroup hosts whose v2 hierarchy has any controller;
//   - no network: neither a host bridge and iptables chains left behind
//     (rootful CNI) nor slirp4netns (rootless, which needs /dev/net/tun);
//   - rootful only: rlimits within this process's hard limits, because
//     podman asks for nofile and nproc of 1048576 once --ulimit is given,
//     which fails without CAP_SYS_RESOURCE. Rootless podman clamps them.
func PodmanRunFlags(rootless bool) []string {
	flags := []string{"--runtime", "runc", "--network", "none"}
	if rootless {
		return flags
	}
	limit := func(resource int, most uint64) string {
		var rl unix.Rlimit
		if err := unix.Getrlimit(resource, &rl); err == nil && rl.Max < most {
			most = rl.Max
		}
		n := strconv.FormatUint(most, 10)
		return n + ":" + n
	}
	// nproc: podman's default is 32768, and conmon, which starts the OCI
	// runtime, runs with that limit, so a higher one fails without
	// CAP_SYS_RESOURCE even below this process's hard limit.
	return append(flags,
		"--ulimit", "nofile="+limit(unix.RLIMIT_NOFILE, 1048576),
		"--ulimit", "nproc="+limit(unix.RLIMIT_NPROC, 32768))
}

// RootlessUser is the user rootless podman runs as in the tests.
type RootlessUser struct {
	Name       string
	UID        int
	Home       string
	RuntimeDir string // /run/user/UID: podman's run root, runc's state
}

// Command runs podman as the user, as a login would: HOME, USER, LOGNAME
// and XDG_RUNTIME_DIR set, and nothing of this process's environment (a
// TMPDIR of root's would break podman load). Its working directory is /.
func (u RootlessUser) Command(ctx context.Context, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, "runuser", append([]string{"-u", u.Name, "--", "env", "-i",
		"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
		"HOME=" + u.Home, "USER=" + u.Name, "LOGNAME=" + u.Name,
		"XDG_RUNTIME_DIR=" + u.RuntimeDir, "podman"}, args...)...)
	c.Dir = "/"
	return c
}

// RequireRootlessPodman gates a test on rootless podman as PodmanUser:
// the user, its runtime directory, subordinate uids and the test image in
// its store.
func RequireRootlessPodman(t testing.TB) RootlessUser {
	t.Helper()
	RequirePodman(t)
	RequireCommand(t, "runuser")
	RequireCommand(t, "newuidmap")
	pw, err := user.Lookup(PodmanUser)
	if err != nil {
		skipOrFail(t, "no user "+PodmanUser+" for rootless podman (scripts/runtimes-setup.sh makes it): "+err.Error())
	}
	uid, _ := strconv.Atoi(pw.Uid)
	u := RootlessUser{Name: pw.Username, UID: uid, Home: pw.HomeDir, RuntimeDir: "/run/user/" + pw.Uid}
	fi, err := os.Stat(u.RuntimeDir)
	if err != nil || fi.Sys().(*syscall.Stat_t).Uid != uint32(uid) {
		skipOrFail(t, u.RuntimeDir+" missing or not "+u.Name+"'s (scripts/runtimes-setup.sh makes it)")
	}
	if !hasSubIDs("/etc/subuid", u) {
		skipOrFail(t, "/etc/subuid has no range for "+u.Name+" (scripts/runtimes-setup.sh adds one)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	if out, err := probe(u.Command(ctx, "image", "exists", TestImage)); err != nil {
		skipOrFail(t, u.Name+"'s podman has no image "+TestImage+" (scripts/runtimes-setup.sh loads it): "+err.Error()+" "+out)
	}
	return u
}

// hasSubIDs reports whether a subordinate ID file has a line for the user,
// by name or uid.
func hasSubIDs(file string, u RootlessUser) bool {
	b, err := os.ReadFile(file)
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if owner, _, ok := strings.Cut(line, ":"); ok && (owner == u.Name || owner == strconv.Itoa(u.UID)) {
			return true
		}
	}
	return false
}

// RequireCtr gates a test on a containerd that answers ctr on its default
// socket, with CtrImage in CtrNamespace.
func RequireCtr(t testing.TB) {
	t.Helper()
	RequireRoot(t)
	RequireCommand(t, "ctr")
	RequireCommand(t, "runc")
	c, cancel := bounded("ctr", "version")
	defer cancel()
	if out, err := probe(c); err != nil {
		skipOrFail(t, "containerd does not answer on /run/containerd/containerd.sock (scripts/runtimes-setup.sh starts it): "+err.Error()+" "+out)
	}
	c2, cancel2 := bounded("ctr", "-n", CtrNamespace, "images", "ls", "-q")
	defer cancel2()
	out, err := probe(c2)
	if err != nil || !slices.Contains(strings.Fields(out), CtrImage) {
		skipOrFail(t, "containerd namespace "+CtrNamespace+" has no image "+CtrImage+" (scripts/runtimes-setup.sh imports it)")
	}
}

// CgroupMounts lists the mount points of every cgroup hierarchy, v1 and
// v2, from /proc/self/mountinfo.
func CgroupMounts(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	var mounts []string
	for _, line := range strings.Split(string(b), "\n") {
		pre, post, ok := strings.Cut(line, " - ")
		f, fsType := strings.Fields(pre), strings.Fields(post)
		if !ok || len(f) < 5 || len(fsType) == 0 || (fsType[0] != "cgroup" && fsType[0] != "cgroup2") {
			continue
		}
		// Mount points escape spaces as \040; cgroup ones have none.
		if p := filepath.Clean(f[4]); !slices.Contains(mounts, p) {
			mounts = append(mounts, p)
		}
	}
	return mounts
}
