package cmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"nsx/enter"
	"nsx/inspect"
)

type enterOptions struct {
	*globalOptions
	types           string
	all             bool
	root, wd        string
	user            string
	envFromTarget   bool
	env             []string
	noCgroup        bool
	inheritSecurity bool
	hostTools       bool
	toolsDir        string
	noPidfd         bool
	hold            bool
	printPlan       bool
}

func newEnterCmd(g *globalOptions) *cobra.Command {
	o := &enterOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "enter TARGET [-- COMMAND [ARG...]]",
		Short: "Run a command (default: the target's shell) in a process's or container's namespaces",
		Long: `Run a command in the namespaces of TARGET (a PID, a container name, ID or
unique ID prefix, NAMESPACE/POD/CONTAINER, or a pod with one container): every
namespace in which it differs from nsx — user and mount included — like
nsenter -a, and with what docker exec gives:

  - its root and working directory (--root and --wd: paths as it sees them);
  - its effective uid, gid and supplementary groups (--user UID[:GID] or
    NAME[:GROUP] from its /etc/passwd and /etc/group);
  - a clean environment (PATH, HOSTNAME, HOME, TERM), or its own with
    --env-from-target, plus -e K=V;
  - its cgroups, v1 and v2, so the command is accounted and limited like the
    container (--no-cgroup keeps nsx's);
  - COMMAND defaults to the target's shell ($SHELL of its environment, else
    /bin/sh).

--host-tools is for distroless and read-only images: the command (default:
the host's /bin/sh) runs with the host's binaries (and a --tools DIR at
/tools) in the target's net, pid, ipc, uts and cgroup namespaces and with its
credentials, /proc shows the container's processes, and the target's root
filesystem is at /target (its live root: nsx writes nothing there, the
command may, as its credentials allow).

Privileges: without --inherit-security the command keeps nsx's capabilities
(in the target's user namespace, full ones if nsx is root), is not under
no_new_privs and has no LSM label, so it can do what the container could
not. --inherit-security gives it the target's capability sets (bounding,
permitted, effective, inheritable, ambient), no_new_privs and AppArmor or
SELinux label. A seccomp filter cannot be copied from another process: the
command runs without the target's.

Safety: nsx is non-dumpable from before it joins any namespace until it
executes the command (no process in the container can ptrace it or open its
memory or /proc/PID/exe), and the command inherits no file descriptor but
0, 1 and 2. Ctrl-C reaches the command; nsx's exit status is the command's,
or 128+N when a signal N killed it; 126 and 127 when it cannot be executed
or found.`,
		Example: `  nsx enter web
  nsx enter 4242 -- ip addr
  nsx enter shop/checkout-7f9c/app -- ps
  nsx enter --ns net,uts web -- hostname
  nsx enter --user 1000 -e LANG=C web -- id
  nsx enter --host-tools distroless-app -- ls /target`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			target, command := args[0], args[1:]
			if dash := c.ArgsLenAtDash(); dash > 1 || (dash == -1 && len(args) > 1) {
				return usagef("give the command after --: nsx enter %s -- %s", target, strings.Join(args[1:], " "))
			}
			return o.run(c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr(), target, command)
		},
	}
	f := c.Flags()
	f.StringVar(&o.types, "ns", "", "enter only these namespace `TYPES` (comma-separated: cgroup,ipc,mnt,net,pid,time,user,uts); without mnt the command keeps nsx's root, working directory and the host's tools, as with nsenter")
	f.BoolVar(&o.all, "all", false, "enter every namespace in which the target differs (the default)")
	f.StringVar(&o.root, "root", "", "root `DIR` in the target's mount namespace (default: the target's root)")
	f.StringVar(&o.wd, "wd", "", "working `DIR` as the target sees it (default: the target's)")
	f.StringVarP(&o.user, "user", "u", "", "run as `UID[:GID]` or NAME[:GROUP] (default: the target's credentials)")
	f.BoolVar(&o.envFromTarget, "env-from-target", false, "start from the target's environment instead of a clean one")
	f.StringArrayVarP(&o.env, "env", "e", nil, "set `K=V` in the command's environment (repeatable)")
	f.BoolVar(&o.noCgroup, "no-cgroup", false, "do not join the target's cgroups")
	f.BoolVar(&o.inheritSecurity, "inherit-security", false, "take the target's capabilities, no_new_privs and LSM label")
	f.BoolVar(&o.hostTools, "host-tools", false, "run the host's binaries in the target's net, pid, ipc, uts and cgroup namespaces, its root filesystem at /target (for images without a shell)")
	f.StringVar(&o.toolsDir, "tools", "", "with --host-tools: also mount this host `DIR` at /tools, first in PATH")
	// The path of kernels before 5.8, for tests and for a kernel whose
	// setns(pidfd) misbehaves; hidden.
	f.BoolVar(&o.noPidfd, "no-pidfd", false, "enter through each /proc/PID/ns file in turn instead of setns(pidfd)")
	_ = f.MarkHidden("no-pidfd")
	// A test hook of test builds (go build -tags nsxtest); hidden.
	f.BoolVar(&o.hold, "test-hold", false, "")
	_ = f.MarkHidden("test-hold")
	// For tests: print the plan's records instead of entering (they are
	// compared with those of nsexec's fast path); hidden.
	f.BoolVar(&o.printPlan, "test-plan", false, "")
	_ = f.MarkHidden("test-plan")
	return c
}

func (o *enterOptions) run(stdin io.Reader, stdout, stderr io.Writer, target string, command []string) error {
	types, err := inspect.ParseNSTypes(o.types)
	if err != nil {
		return usageError{err}
	}
	if o.all && len(types) > 0 {
		return usagef("--all and --ns: pick one")
	}
	for _, kv := range o.env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return usagef("-e %q: want K=V", kv)
		}
	}
	h, err := o.host()
	if err != nil {
		return err
	}
	pid, nsOnly, err := o.targetPID(h, target)
	if err != nil {
		return err
	}
	if nsOnly != nil && len(types) == 0 {
		types = nsOnly
	}
	plan, err := enter.Prepare(h, pid, enter.Options{
		Types: types, Root: o.root, WD: o.wd, User: o.user, EnvFromTarget: o.envFromTarget, Env: o.env,
		NoCgroup: o.noCgroup, InheritSecurity: o.inheritSecurity, Command: command, Hold: o.hold,
		HostTools: o.hostTools, ToolsDir: o.toolsDir, NoPidfd: o.noPidfd,
	})
	if err != nil {
		return err
	}
	if o.printPlan {
		_, err := stdout.Write(plan.Encode())
		return err
	}
	if len(plan.Types) == 0 {
		fmt.Fprintf(stderr, "nsx: process %d is in nsx's own namespaces: entering none, running the command as it\n", pid)
	}
	err = plan.Run(stdin, stdout, stderr)
	var ee *enter.ExitError
	if errors.As(err, &ee) {
		if ee.Message != "" {
			msg := ee.Message
			// 126 and 127 are the command's own failure (not found, not
			// executable), not a refused enter: no hint about privileges.
			if ee.Code == 1 {
				msg = enterHint(h, pid, msg)
			}
			return exitCodeError{code: ee.Code, err: errors.New(msg)}
		}
		return exitCodeError{code: ee.Code}
	}
	return err
}

// targetPID finds the process to enter. A PID is taken as is, without a
// scan (entering is often scripted, and a scan of a large host costs);
// anything else is resolved on a sandbox-level scan. A namespace target
// (netns:NAME) enters only that namespace, through a process in it.
func (o *enterOptions) targetPID(h inspect.Host, spec string) (int, []inspect.NSType, error) {
	if pid, err := strconv.Atoi(spec); err == nil {
		if pid <= 0 {
			return 0, nil, fmt.Errorf("%w: %q: a PID is a positive number", inspect.ErrNoTarget, spec)
		}
		if tgid, err := h.ProcessOf(pid); err == nil {
			return tgid, nil, nil
		}
	}
	snap, err := h.Scan(inspect.ScanOptions{SkipHolders: true, SkipHierarchy: true})
	if err != nil {
		return 0, nil, err
	}
	t, err := snap.Resolve(spec)
	if err != nil {
		return 0, nil, err
	}
	switch t.Kind {
	case inspect.TargetNamespace:
		if len(t.PIDs) == 0 {
			return 0, nil, fmt.Errorf("%w: no process is in %s, and nsx enters namespaces through a process (for a network namespace: ip netns exec)", inspect.ErrNoTarget, spec)
		}
		return t.PIDs[0], []inspect.NSType{t.NS.Type}, nil
	case inspect.TargetPod:
		var apps []*inspect.Container
		seen := map[*inspect.Container]bool{}
		for _, pid := range t.PIDs {
			if c := snap.Processes[pid].Container; c != nil && !c.PodSandbox && !seen[c] {
				seen[c] = true
				apps = append(apps, c)
			}
		}
		if len(apps) != 1 {
			var names []string
			for _, c := range apps {
				names = append(names, c.DisplayName())
			}
			sort.Strings(names)
			return 0, nil, &inspect.AmbiguousError{Target: spec, Candidates: names}
		}
		return snap.MainPID(apps[0]), nil, nil
	case inspect.TargetContainer:
		return snap.MainPID(t.Container), nil, nil
	}
	if len(t.PIDs) == 0 {
		return 0, nil, fmt.Errorf("%w: %s has no process", inspect.ErrNoTarget, spec)
	}
	return t.PIDs[0], nil, nil
}

// enterHint adds the likely cause to a refused enter: a read-only cgroup
// tree; for a caller who is not root, who owns the target's user namespace.
func enterHint(h inspect.Host, pid int, msg string) string {
	if strings.HasPrefix(msg, "joining cgroup") && strings.Contains(msg, "ead-only file system") {
		// nsx in a debug container with the host's / mounted read-only.
		return msg + " (the host's cgroup tree is read-only here: mount it writable, or run with --no-cgroup)"
	}
	if !strings.Contains(msg, "ermission denied") && !strings.Contains(msg, "ot permitted") {
		return msg
	}
	if os.Geteuid() == 0 {
		return msg + " (even root is refused: the target holds capabilities nsx lacks, or a security module denies it)"
	}
	if uid, ok := userNSOwner(h, pid); ok {
		return fmt.Sprintf("%s (the target's user namespace is owned by uid %d; run as root)", msg, uid)
	}
	return msg + " (run as root)"
}

// userNSOwner asks the kernel who created the target's user namespace.
func userNSOwner(h inspect.Host, pid int) (uint32, bool) {
	f, err := os.Open(h.ProcPath(pid, "ns", "user"))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	uid, err := unix.IoctlGetUint32(int(f.Fd()), unix.NS_GET_OWNER_UID)
	return uid, err == nil
}
