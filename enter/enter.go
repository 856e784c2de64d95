package enter

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	// The constructor that enters, in the re-executed copy of nsx.
	"nsx/enter/nsexec"
	"nsx/inspect"
)

// Options say how to enter.
type Options struct {
	// Types to enter; nil enters every type in which the target differs
	// from nsx. A listed type in which it does not differ is skipped.
	Types []inspect.NSType
	// Root and WD are paths in the target's mount namespace; empty means
	// the target's own root and working directory.
	Root, WD string
	// User is "UID[:GID]" or "NAME[:GROUP]" (names from the target's
	// /etc/passwd and /etc/group); empty takes the target's credentials.
	User string
	// EnvFromTarget starts from the target's environment instead of a
	// clean one; Env (K=V) is added either way.
	EnvFromTarget bool
	Env           []string
	// NoCgroup keeps the command in nsx's cgroups.
	NoCgroup bool
	// InheritSecurity gives the command the target's capability sets,
	// no_new_privs and LSM label.
	InheritSecurity bool
	// Command and its arguments; empty runs the target's shell.
	Command []string
	// HostTools runs the host's binaries (or those of ToolsDir, mounted at
	// /tools) in the target's net, pid, ipc, uts and cgroup namespaces,
	// with the target's root filesystem at /target: for images without a
	// shell or tools.
	HostTools bool
	ToolsDir  string
	// NoPidfd enters through the /proc/PID/ns files one by one, as on
	// kernels before 5.8, instead of setns(pidfd).
	NoPidfd bool
	// Hold (test builds only) stops the entered process before exec until
	// its stdin closes.
	Hold bool
}

// Plan is what one enter does, decided before any process starts.
type Plan struct {
	PID int
	// Types are the namespaces entered, in nstypes order; none when the
	// target shares all of nsx's.
	Types   []inspect.NSType
	Command []string
	Env     []string
	UID     int
	GID     int
	Groups  []int
	// SetGroups is false when the target's user namespace denies
	// setgroups(2) (a rootless container whose map was written so).
	SetGroups  bool
	CgroupDirs []string
	Root, WD   string // "" for the target's own
	// OwnRoot keeps nsx's root and working directory: --ns without mnt.
	OwnRoot   bool
	Security  *Security
	HostTools bool
	ToolsDir  string
	NoPidfd   bool
	Hold      bool
}

// Security is the target's confinement, taken with --inherit-security.
type Security struct {
	CapBnd, CapPrm, CapEff, CapInh, CapAmb uint64
	NoNewPrivs                             bool
	// Label is what the LSM is told for the exec ("" for none).
	Label string
	// Seccomp is the target's seccomp mode: a filter cannot be copied from
	// another process, so a filtered target's filter is not applied.
	Seccomp int
}

// hostToolsTypes are the namespaces --host-tools enters: all but mount and
// user.
var hostToolsTypes = []inspect.NSType{inspect.CgroupNS, inspect.IPCNS, inspect.NetNS, inspect.PIDNS, inspect.UTSNS}

func joinTypes(ts []inspect.NSType) string {
	var s []string
	for _, t := range ts {
		s = append(s, t.String())
	}
	return strings.Join(s, ", ")
}

// defaultPath is the PATH of a clean environment, docker exec's.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Prepare decides how to enter process pid of host h.
func Prepare(h inspect.Host, pid int, o Options) (*Plan, error) {
	p := &Plan{PID: pid, Root: o.Root, WD: o.WD, Hold: o.Hold, HostTools: o.HostTools || o.ToolsDir != "", ToolsDir: o.ToolsDir, NoPidfd: o.NoPidfd}
	status, err := h.ReadFile("proc", strconv.Itoa(pid), "status")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: no process %d (it may have exited)", inspect.ErrNoProcess, pid)
		}
		return nil, fmt.Errorf("process %d: %w", pid, err)
	}
	st := parseStatus(status)
	types := o.Types
	if p.ToolsDir != "" {
		// nsexec binds it after setns has moved it to the root of nsx's
		// mount namespace: a relative path would be taken from /. And a
		// missing directory is said before anything is entered.
		abs, err := filepath.Abs(p.ToolsDir)
		if err != nil {
			return nil, fmt.Errorf("--tools %s: %w", p.ToolsDir, err)
		}
		if fi, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("--tools: %w", err)
		} else if !fi.IsDir() {
			return nil, fmt.Errorf("--tools %s: not a directory", p.ToolsDir)
		}
		p.ToolsDir = abs
	}
	if p.HostTools {
		if p.Root != "" {
			return nil, errors.New("--host-tools runs in a root of its own (the target's is at /target): --root does not apply")
		}
		// The host's binaries need the host's (private) mount namespace,
		// and its user namespace to be the host's root.
		if len(types) == 0 {
			types = hostToolsTypes
		}
		for _, t := range types {
			if t == inspect.MntNS || t == inspect.UserNS {
				return nil, fmt.Errorf("--host-tools enters %s namespaces, not %s", joinTypes(hostToolsTypes), t)
			}
		}
		if p.WD == "" {
			p.WD = "/"
		}
	}
	if err := p.chooseTypes(h, types); err != nil {
		return nil, err
	}
	// Asked for namespaces without the mount namespace, the command keeps
	// nsx's root and working directory, as nsenter does: the target's root
	// is another mount tree, whose /proc is another pid namespace's (no
	// /proc/self) and whose binaries are not the host's.
	p.OwnRoot = len(types) > 0 && !p.HostTools && p.Root == "" && !slices.Contains(types, inspect.MntNS)
	entersUser := p.enters(inspect.UserNS)
	if err := p.chooseCreds(h, st, o.User, entersUser); err != nil {
		return nil, err
	}
	if o.InheritSecurity {
		p.Security = targetSecurity(h, pid, st)
	}
	targetEnv := parseEnviron(h.ReadFile("proc", strconv.Itoa(pid), "environ"))
	p.Env = p.environment(h, o, targetEnv)
	p.Command = o.Command
	if p.HostTools || p.OwnRoot {
		path := defaultPath
		if p.ToolsDir != "" {
			path = "/tools:/tools/bin:/tools/sbin:" + path
		}
		p.Env = setEnv(p.Env, []string{"PATH=" + path})
		if len(p.Command) == 0 {
			p.Command = []string{"/bin/sh"} // the host's
		}
	}
	if len(p.Command) == 0 {
		sh, err := p.shell(h, targetEnv)
		if err != nil {
			return nil, err
		}
		p.Command = []string{sh}
	}
	if !o.NoCgroup {
		if l, err := h.CgroupLayout(); err == nil {
			// A process that exited meanwhile has no cgroup file: the
			// copy then fails to enter it, and says so.
			dirs, _ := h.CgroupDirs(pid, l)
			// A cgroup nsx is in already needs no joining: the write is a
			// no-op that a caller who is not root may not make (a user
			// entering its own rootless container, whose cgroup.procs
			// files are root's).
			own, _ := h.CgroupDirs(os.Getpid(), l)
			for _, d := range dirs {
				if !slices.Contains(own, d) {
					p.CgroupDirs = append(p.CgroupDirs, d)
				}
			}
		}
	}
	return p, nil
}

func (p *Plan) enters(t inspect.NSType) bool { return slices.Contains(p.Types, t) }

// chooseTypes picks the namespaces in which the target differs from nsx.
func (p *Plan) chooseTypes(h inspect.Host, wanted []inspect.NSType) error {
	types := wanted
	if len(types) == 0 {
		types = inspect.AllNSTypes[:]
	}
	for _, t := range types {
		target, err := os.Readlink(h.ProcPath(p.PID, "ns", t.String()))
		if errors.Is(err, fs.ErrNotExist) {
			if _, serr := os.Stat(h.ProcPath(p.PID)); serr != nil {
				return fmt.Errorf("%w: no process %d (it may have exited)", inspect.ErrNoProcess, p.PID)
			}
			continue // a namespace type this kernel lacks
		}
		if err != nil {
			return fmt.Errorf("%w: reading /proc/%d/ns/%s: %v (run as root or with CAP_SYS_PTRACE)", inspect.ErrPermission, p.PID, t, err)
		}
		own, err := os.Readlink("/proc/self/ns/" + t.String())
		if err == nil && own == target {
			continue
		}
		p.Types = append(p.Types, t)
	}
	return nil
}

// procStatus is what Prepare reads from /proc/PID/status.
type procStatus struct {
	uid, gid                               int
	groups                                 []int
	capBnd, capPrm, capEff, capInh, capAmb uint64
	noNewPrivs                             bool
	seccomp                                int
}

func parseStatus(b []byte) procStatus {
	var st procStatus
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		hex := func() uint64 {
			if len(f) == 0 {
				return 0
			}
			n, _ := strconv.ParseUint(f[0], 16, 64)
			return n
		}
		switch k {
		case "Uid":
			if len(f) > 1 {
				st.uid, _ = strconv.Atoi(f[1]) // effective
			}
		case "Gid":
			if len(f) > 1 {
				st.gid, _ = strconv.Atoi(f[1])
			}
		case "Groups":
			for _, g := range f {
				if n, err := strconv.Atoi(g); err == nil {
					st.groups = append(st.groups, n)
				}
			}
		case "CapBnd":
			st.capBnd = hex()
		case "CapPrm":
			st.capPrm = hex()
		case "CapEff":
			st.capEff = hex()
		case "CapInh":
			st.capInh = hex()
		case "CapAmb":
			st.capAmb = hex()
		case "NoNewPrivs":
			st.noNewPrivs = len(f) > 0 && f[0] == "1"
		case "Seccomp":
			if len(f) > 0 {
				st.seccomp, _ = strconv.Atoi(f[0])
			}
		}
	}
	return st
}

// chooseCreds takes the target's effective uid, gid and groups, or --user;
// entering a user namespace, host IDs are mapped to the IDs inside it.
func (p *Plan) chooseCreds(h inspect.Host, st procStatus, user string, entersUser bool) error {
	p.UID, p.GID, p.Groups, p.SetGroups = st.uid, st.gid, st.groups, true
	uidMap, gidMap := identityMap, identityMap
	if entersUser {
		if b, err := h.ReadFile("proc", strconv.Itoa(p.PID), "uid_map"); err == nil {
			if m, err := inspect.ParseIDMap(b); err == nil {
				uidMap = m
			}
		}
		if b, err := h.ReadFile("proc", strconv.Itoa(p.PID), "gid_map"); err == nil {
			if m, err := inspect.ParseIDMap(b); err == nil {
				gidMap = m
			}
		}
		if b, err := h.ReadFile("proc", strconv.Itoa(p.PID), "setgroups"); err == nil {
			p.SetGroups = strings.TrimSpace(string(b)) == "allow"
		}
		var ok bool
		if p.UID, ok = inside(uidMap, st.uid); !ok {
			return fmt.Errorf("process %d runs as host uid %d, which its user namespace does not map", p.PID, st.uid)
		}
		if p.GID, ok = inside(gidMap, st.gid); !ok {
			return fmt.Errorf("process %d runs as host gid %d, which its user namespace does not map", p.PID, st.gid)
		}
		groups := p.Groups[:0:0]
		for _, g := range st.groups {
			if in, ok := inside(gidMap, g); ok {
				groups = append(groups, in)
			}
		}
		p.Groups = groups
	}
	if user == "" {
		return nil
	}
	// --user names IDs as the target sees them: no mapping.
	u, g, hasGroup := strings.Cut(user, ":")
	uid, err := strconv.Atoi(u)
	if err != nil {
		if uid, err = lookupID(h, p.PID, "etc/passwd", u); err != nil {
			return err
		}
	}
	if err := validID("uid", uid); err != nil {
		return err
	}
	p.UID, p.Groups = uid, nil
	if hasGroup {
		gid, err := strconv.Atoi(g)
		if err != nil {
			if gid, err = lookupID(h, p.PID, "etc/group", g); err != nil {
				return err
			}
		}
		if err := validID("gid", gid); err != nil {
			return err
		}
		p.GID = gid
	} else {
		if gid, ok := passwdGID(h, p.PID, uid); ok {
			p.GID = gid
		}
		// As docker exec -u: a user given without a group has its
		// groups of the target's /etc/group.
		p.Groups = memberGroups(h, p.PID, uid)
	}
	// And the primary group, as docker exec -u gives it.
	if !slices.Contains(p.Groups, p.GID) {
		p.Groups = append(p.Groups, p.GID)
	}
	return nil
}

// validID refuses what is no uid or gid: IDs are 32 bits, and
// 4294967295 is (uid_t)-1, which setresuid(2) and setresgid(2) take as
// "leave unchanged".
func validID(kind string, id int) error {
	if id < 0 || id >= 1<<32-1 {
		return fmt.Errorf("--user: %s %d is out of range (0 to 4294967294)", kind, id)
	}
	return nil
}

// memberGroups lists the groups of the target's /etc/group that name uid's
// user (of its /etc/passwd) as a member.
func memberGroups(h inspect.Host, pid, uid int) []int {
	user := passwdEntry(h, pid, uid)
	if user == nil {
		return nil
	}
	b, err := targetFile(h, pid, "etc/group")
	if err != nil {
		return nil
	}
	var gids []int
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 4 && slices.Contains(strings.Split(f[3], ","), user[0]) {
			if gid, err := strconv.Atoi(f[2]); err == nil && !slices.Contains(gids, gid) {
				gids = append(gids, gid)
			}
		}
	}
	return gids
}

var identityMap = []inspect.IDMapRange{{Inside: 0, Outside: 0, Count: 1<<32 - 1}}

// inside maps a host ID into a user namespace by its map.
func inside(m []inspect.IDMapRange, host int) (int, bool) {
	for _, r := range m {
		if uint64(host) >= uint64(r.Outside) && uint64(host) < uint64(r.Outside)+uint64(r.Count) {
			return int(uint64(r.Inside) + uint64(host) - uint64(r.Outside)), true
		}
	}
	return 0, false
}

// targetFile reads a file of the target's root filesystem.
func targetFile(h inspect.Host, pid int, rel string) ([]byte, error) {
	return h.ReadFile("proc", strconv.Itoa(pid), "root", rel)
}

// lookupID finds NAME's ID in the target's passwd or group file.
func lookupID(h inspect.Host, pid int, file, name string) (int, error) {
	b, err := targetFile(h, pid, file)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number, and the target's /%s cannot be read: %w", name, file, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 3 && f[0] == name {
			if id, err := strconv.Atoi(f[2]); err == nil {
				return id, nil
			}
		}
	}
	return 0, fmt.Errorf("no %q in the target's /%s", name, file)
}

// passwdEntry finds a uid's line in the target's /etc/passwd.
func passwdEntry(h inspect.Host, pid, uid int) []string {
	b, err := targetFile(h, pid, "etc/passwd")
	if err != nil {
		return nil
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) >= 7 && f[2] == strconv.Itoa(uid) {
			return f
		}
	}
	return nil
}

func passwdGID(h inspect.Host, pid, uid int) (int, bool) {
	f := passwdEntry(h, pid, uid)
	if f == nil {
		return 0, false
	}
	gid, err := strconv.Atoi(f[3])
	return gid, err == nil
}

// targetSecurity reads the target's capability sets, no_new_privs and LSM
// label.
func targetSecurity(h inspect.Host, pid int, st procStatus) *Security {
	s := &Security{CapBnd: st.capBnd, CapPrm: st.capPrm, CapEff: st.capEff, CapInh: st.capInh, CapAmb: st.capAmb,
		NoNewPrivs: st.noNewPrivs, Seccomp: st.seccomp}
	if b, err := h.ReadFile("proc", strconv.Itoa(pid), "attr", "current"); err == nil {
		s.Label = execLabel(string(b))
	}
	return s
}

// execLabel turns a process's /proc/PID/attr/current into what
// /proc/self/attr/exec takes: AppArmor's "PROFILE (MODE)" becomes
// "exec PROFILE"; an SELinux context is taken as is; unconfined is none.
func execLabel(current string) string {
	current = strings.TrimRight(current, "\x00\n ")
	if current == "" || current == "unconfined" {
		return ""
	}
	if name, _, ok := strings.Cut(current, " ("); ok {
		if name == "unconfined" {
			return ""
		}
		return "exec " + name
	}
	return current
}

func parseEnviron(b []byte, err error) []string {
	if err != nil {
		return nil
	}
	var env []string
	for _, kv := range bytes.Split(b, []byte{0}) {
		if len(kv) > 0 && bytes.IndexByte(kv, '=') > 0 {
			env = append(env, string(kv))
		}
	}
	return env
}

// environment builds the command's environment: the target's, or a clean
// one as docker exec gives (PATH, HOSTNAME, HOME, TERM), then -e.
func (p *Plan) environment(h inspect.Host, o Options, targetEnv []string) []string {
	var env []string
	if o.EnvFromTarget {
		env = append(env, targetEnv...)
	} else {
		path := defaultPath
		for _, kv := range targetEnv {
			if v, ok := strings.CutPrefix(kv, "PATH="); ok && v != "" {
				path = v // the image's PATH, as docker exec keeps it
			}
		}
		env = append(env, "PATH="+path)
		if b, err := h.ReadFile("proc", strconv.Itoa(p.PID), "root", "etc", "hostname"); err == nil {
			if hn := strings.TrimSpace(string(b)); hn != "" {
				env = append(env, "HOSTNAME="+hn)
			}
		}
		home := "/"
		if f := passwdEntry(h, p.PID, p.UID); f != nil && f[5] != "" {
			home = f[5]
		}
		env = append(env, "HOME="+home)
		if term := os.Getenv("TERM"); term != "" {
			env = append(env, "TERM="+term)
		}
	}
	return setEnv(env, o.Env)
}

// setEnv adds K=V pairs, replacing earlier values of the same K.
func setEnv(env, add []string) []string {
	for _, kv := range add {
		k, _, _ := strings.Cut(kv, "=")
		out := env[:0]
		for _, e := range env {
			if ek, _, _ := strings.Cut(e, "="); ek != k {
				out = append(out, e)
			}
		}
		env = append(out, kv)
	}
	return env
}

// ErrNoShell says the target has no shell to run.
var ErrNoShell = errors.New("no shell")

// shell picks the target's shell: $SHELL of its environment, else /bin/sh,
// if its root filesystem has it.
func (p *Plan) shell(h inspect.Host, targetEnv []string) (string, error) {
	var cands []string
	for _, kv := range targetEnv {
		if v, ok := strings.CutPrefix(kv, "SHELL="); ok && path.IsAbs(v) {
			cands = append(cands, v)
		}
	}
	cands = append(cands, "/bin/sh")
	root := p.Root
	if root == "" {
		root = "/"
	}
	for _, c := range cands {
		// Through /proc/PID/root: the target's filesystem as it sees it
		// (symlinks in it resolve there too, mostly; a busybox sh is a
		// link to busybox).
		if fi, err := os.Stat(h.ProcPath(p.PID, "root", root, c)); err == nil && !fi.IsDir() {
			return c, nil
		}
	}
	return "", fmt.Errorf("%w in process %d's root filesystem (no $SHELL, no /bin/sh): give a command, e.g. `nsx enter %d -- /app/tool`, or use the host's shell and tools with `nsx enter --host-tools %d`", ErrNoShell, p.PID, p.PID, p.PID)
}

// ExitError carries the exit status nsx passes on: the command's, 128+N for
// a command killed by signal N, or the status of a failed enter.
type ExitError struct {
	Code int
	// Message is set when entering failed (printed once, as an error).
	Message string
}

func (e *ExitError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// Run performs the plan: nsx re-executes itself, the copy enters the
// namespaces before its Go runtime starts (package nsexec) and executes the
// command, whose exit status Run returns (nil for 0).
func (p *Plan) Run(stdin io.Reader, stdout, stderr io.Writer) error {
	if nsexec.Unavailable != "" {
		return errors.New(nsexec.Unavailable)
	}
	planR, planW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer planR.Close()
	defer planW.Close()
	errR, errW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer errR.Close()
	defer errW.Close()
	extra := []*os.File{planR, errW}
	// A pidfd proves the PID still names the process Prepare looked at, and
	// lets the copy enter every namespace in one setns (Linux 5.8).
	if !p.NoPidfd {
		if fd, err := unix.PidfdOpen(p.PID, 0); err == nil {
			pidfd := os.NewFile(uintptr(fd), "pidfd")
			defer pidfd.Close()
			extra = append(extra, pidfd)
		}
	}
	cmd := &exec.Cmd{
		Path:       "/proc/self/exe",
		Args:       []string{"nsx-enter"},
		Env:        []string{"_NSX_ENTER=1"},
		Stdin:      stdin,
		Stdout:     stdout,
		Stderr:     stderr,
		ExtraFiles: extra,
	}
	// The terminal sends Ctrl-C to the command itself (one foreground
	// group); nsx only waits. SIGTERM and SIGHUP sent to nsx are passed on.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting nsx's entering copy: %w", err)
	}
	planR.Close()
	errW.Close()
	go func() {
		_, _ = planW.Write(p.Encode())
		planW.Close()
	}()
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				if s == syscall.SIGTERM || s == syscall.SIGHUP {
					_ = cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	report, _ := io.ReadAll(errR)
	werr := cmd.Wait()
	close(done)
	if len(report) > 0 {
		code, msg, _ := strings.Cut(strings.TrimSpace(string(report)), " ")
		n, err := strconv.Atoi(code)
		if err != nil {
			n, msg = 1, strings.TrimSpace(string(report))
		}
		return &ExitError{Code: n, Message: msg}
	}
	if werr == nil {
		return nil
	}
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return &ExitError{Code: 128 + int(ws.Signal())}
		}
		return &ExitError{Code: ee.ExitCode()}
	}
	return werr
}

// Encode writes the plan as nsexec.c reads it: NUL-separated KEY=VALUE
// records. enter/nsexec/fastpath.c writes the same for the plans it makes.
func (p *Plan) Encode() []byte {
	var b bytes.Buffer
	rec := func(k, v string) {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
		b.WriteByte(0)
	}
	rec("pid", strconv.Itoa(p.PID))
	for _, t := range p.Types {
		rec("ns", t.String())
	}
	for _, d := range p.CgroupDirs {
		rec("cgroup", d)
	}
	switch {
	case p.HostTools:
		rec("hosttools", "1")
		if p.ToolsDir != "" {
			rec("tools", p.ToolsDir)
		}
	case p.OwnRoot: // no record: nsx's root
	case p.Root == "":
		rec("root", "1")
	default:
		rec("rootpath", p.Root)
	}
	if p.WD != "" {
		rec("cwdpath", p.WD)
	} else if !p.OwnRoot {
		rec("cwd", "1")
	}
	rec("uid", strconv.Itoa(p.UID))
	rec("gid", strconv.Itoa(p.GID))
	groups := make([]string, len(p.Groups))
	for i, g := range p.Groups {
		groups[i] = strconv.Itoa(g)
	}
	rec("groups", strings.Join(groups, ","))
	if p.SetGroups {
		rec("setgroups", "1")
	} else {
		rec("setgroups", "0")
	}
	if s := p.Security; s != nil {
		hex := func(v uint64) string { return strconv.FormatUint(v, 16) }
		rec("capbnd", hex(s.CapBnd))
		rec("capprm", hex(s.CapPrm))
		rec("capeff", hex(s.CapEff))
		rec("capinh", hex(s.CapInh))
		rec("capamb", hex(s.CapAmb))
		if s.NoNewPrivs {
			rec("nnp", "1")
		}
		if s.Label != "" {
			rec("label", s.Label)
		}
	}
	for _, e := range p.Env {
		rec("env", e)
	}
	for _, a := range p.Command {
		rec("arg", a)
	}
	if p.Hold {
		rec("testhold", "1")
	}
	return b.Bytes()
}
