package cmd

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"nsx/inspect"
)

type lsOptions struct {
	*globalOptions
	namespaces bool
	types      string
	tasks      bool
	tree       bool
	noCgroup   bool
	pods       bool
	all        bool
}

func newLsCmd(g *globalOptions) *cobra.Command {
	o := &lsOptions{globalOptions: g}
	c := &cobra.Command{
		Use:   "ls [TARGET...]",
		Short: "List sandboxes (processes grouped by namespace set), or every namespace",
		Long: `List the host's sandboxes: processes grouped by identical namespace set, so a
container, a pod's container or an unshare'd shell is one row. The host's own set
comes first.

NAMESPACES lists the namespaces a sandbox does not share with the host; every
type not listed is the host's. A type marked with '+' (e.g. "net+") is shared
with another sandbox, as with docker --network container:NAME or a pod.
USERNS says what root inside is on the host: host (the host's own user
namespace), root (uid 0 inside is uid 0 outside), mapped (an unprivileged host
uid) or unmapped.

--ns lists every namespace instead, including those no process is in: held by a
thread (--tasks), an open file descriptor, or a bind mount in any mount
namespace (e.g. /run/netns/NAME), or alive only as the owner or parent of
another namespace. NPROCS counts processes, as lsns does.

--pods shows Kubernetes pods: each pod's containers, the sandbox (pause)
container first, and each container's processes, with the container's MEM,
CPU and PIDS. Pods are named from the runtimes' state (containerd's CRI
annotations, CRI-O's, cri-dockerd's labels) or the kubelet's log directories.

--tree shows the user-namespace ownership tree (sandboxes as leaves, with the
types of namespace the user namespace owns) and the pid-namespace tree.

TARGET narrows the list to the sandboxes of a PID, a container name, full ID or
unique ID prefix, a pod (pod/NAME, NAMESPACE/POD, NAMESPACE/POD/CONTAINER),
netns:NAME or a bind-mounted namespace path. Containers are named from the
runtimes' own state on disk: Docker, containerd (Kubernetes and ctr), CRI-O,
podman (rootful and every user's rootless store), LXC, systemd-nspawn; a
sandbox made by a plain systemd service is named after its unit.`,
		Example: `  nsx ls
  nsx ls --ns --type net,pid
  nsx ls --tree
  nsx ls --pods
  nsx ls -a
  nsx ls shop/checkout-7f9c
  nsx ls web 4242 -o json`,
		RunE: func(c *cobra.Command, args []string) error { return o.run(c.OutOrStdout(), c.ErrOrStderr(), args) },
	}
	f := c.Flags()
	f.BoolVar(&o.namespaces, "ns", false, "one row per namespace instead of per sandbox")
	f.StringVarP(&o.types, "type", "t", "", "with --ns: only these namespace `TYPES` (comma-separated: cgroup,ipc,mnt,net,pid,time,user,uts)")
	f.BoolVar(&o.tasks, "tasks", false, "also scan threads, which may sit in other namespaces than their process")
	f.BoolVar(&o.tree, "tree", false, "show the user-namespace ownership tree and the pid-namespace tree")
	f.BoolVarP(&o.all, "all", "a", false, "also list the containers the runtimes know that are not running (exited, created), with their last exit")
	f.BoolVar(&o.pods, "pods", false, "show Kubernetes pods: their containers (the sandbox first) and processes")
	f.BoolVar(&o.noCgroup, "no-cgroup", false, "leave out the MEM, CPU and PIDS columns (reads no cgroup files)")
	return c
}

func (o *lsOptions) run(stdout, stderr io.Writer, args []string) error {
	types, err := inspect.ParseNSTypes(o.types)
	if err != nil {
		return usageError{err}
	}
	if o.types != "" && !o.namespaces {
		return usagef("--type needs --ns")
	}
	if n := countTrue(o.tree, o.namespaces, o.pods); n > 1 {
		return usagef("--tree, --ns and --pods are different views; pick one")
	}
	h, err := o.host()
	if err != nil {
		return err
	}
	// The sandbox view shows neither holders nor the hierarchy: it does not
	// pay for reading every open file or asking the kernel about owners.
	sandboxView := !o.tree && !o.namespaces
	snap, err := h.Scan(inspect.ScanOptions{Tasks: o.tasks, SkipHolders: sandboxView, SkipHierarchy: sandboxView})
	if err != nil {
		return err
	}
	v := newLsView(snap, o.globalOptions, detectTerminal(stdout))
	v.noCgroup = o.noCgroup
	if o.all {
		if o.namespaces || o.tree || o.pods {
			return usagef("--all goes with the sandbox view, not --ns, --tree or --pods")
		}
		v.stopped = stoppedContainers(snap)
	}
	if err := v.narrow(args); err != nil {
		return err
	}
	switch {
	case o.tree:
		err = v.renderTree(stdout)
	case o.namespaces:
		err = v.renderNamespaces(stdout, types)
	case o.pods:
		err = v.renderPods(stdout, stderr)
	default:
		err = v.renderSandboxes(stdout)
	}
	if err != nil {
		return err
	}
	// Warnings go to stderr in table mode (they are in the JSON otherwise),
	// after the table so the terminal shows them last.
	if o.output == "table" {
		for _, w := range snap.Warnings {
			fmt.Fprintf(stderr, "%s\n", paint(v.color, ansiYellow, "nsx: warning: "+w))
		}
	}
	return nil
}

// lsView holds one scan and what the views derive from it.
type lsView struct {
	g     *globalOptions
	snap  *inspect.Snapshot
	term  terminal
	color bool
	// sandboxes and keep are computed by needSandboxes: the namespace view
	// does without, and finding each sandbox's oldest process reads the
	// stat file of every process.
	sandboxes []*inspect.Sandbox
	keep      []bool                // per sandbox: shown (after TARGET narrowing)
	targets   map[int]bool          // PIDs the targets name; nil: no targets
	keepNS    map[inspect.NSID]bool // nil: all namespaces
	users     map[int]string
	noCgroup  bool // no MEM, CPU, PIDS
	// stopped are the containers not running (--all), most recent first.
	stopped []*inspect.Container
}

func newLsView(s *inspect.Snapshot, g *globalOptions, term terminal) *lsView {
	return &lsView{g: g, snap: s, term: term, color: g.colorOn(term), users: s.Host.UserNames()}
}

// needSandboxes groups the processes into sandboxes, keeping those that
// hold a target's process.
func (v *lsView) needSandboxes() {
	if v.sandboxes != nil {
		return
	}
	v.sandboxes = v.snap.Sandboxes()
	v.keep = make([]bool, len(v.sandboxes))
	for i, sb := range v.sandboxes {
		v.keep[i] = v.targets == nil
		for _, pid := range sb.PIDs {
			if v.targets[pid] {
				v.keep[i] = true
				break
			}
		}
	}
}

// narrow resolves the targets: the sandboxes holding their processes are
// shown, and in the namespace view the namespaces of those processes.
func (v *lsView) narrow(targets []string) error {
	if len(targets) == 0 {
		return nil
	}
	v.targets = map[int]bool{}
	v.keepNS = map[inspect.NSID]bool{}
	for _, spec := range targets {
		t, err := v.snap.Resolve(spec)
		if err != nil {
			return err
		}
		if t.Kind == inspect.TargetNamespace {
			v.keepNS[t.NS] = true
		}
		for _, pid := range t.PIDs {
			v.targets[pid] = true
			for typ, ino := range v.snap.Processes[pid].NS {
				if ino != 0 {
					v.keepNS[inspect.NSID{Type: inspect.NSType(typ), Inode: ino}] = true
				}
			}
		}
	}
	return nil
}

func (v *lsView) userName(uid int) string {
	if n, ok := v.users[uid]; ok {
		return n
	}
	return strconv.Itoa(uid)
}

// sandboxName is the container's name, else the oldest process's command.
func (v *lsView) sandboxName(sb *inspect.Sandbox) string {
	if sb.IsHost {
		return "host"
	}
	if sb.Container != nil {
		return sb.Container.DisplayName()
	}
	return v.snap.Processes[sb.Oldest].Comm
}

// nsSummary renders the NAMESPACES column: the types not shared with the
// host, '+' marking those shared with another sandbox.
func nsSummary(sb *inspect.Sandbox) string {
	if sb.IsHost {
		return "host"
	}
	var parts []string
	for _, t := range inspect.AllNSTypes {
		switch sb.Scope[t] {
		case inspect.ScopePrivate:
			parts = append(parts, t.String())
		case inspect.ScopeShared:
			parts = append(parts, t.String()+"+")
		case inspect.ScopeUnknown:
			// The kernel has no such type, or the link was unreadable.
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, " ")
}

// ---- sandbox view ----

type sandboxJSON struct {
	Name       string                   `json:"name"`
	Host       bool                     `json:"host"`
	Runtime    string                   `json:"runtime,omitempty"`
	ID         string                   `json:"id,omitempty"`
	Container  *inspect.Container       `json:"container,omitempty"`
	PID        int                      `json:"pid"`
	Procs      int                      `json:"procs"`
	PIDs       []int                    `json:"pids"`
	Namespaces map[string]sandboxNSJSON `json:"namespaces"`
	UserNS     inspect.UserMapping      `json:"userns"`
	Cgroup     *inspect.CgroupSummary   `json:"cgroup,omitempty"`
	User       string                   `json:"user"`
	UID        int                      `json:"uid"`
	Command    string                   `json:"command"`
}

type sandboxNSJSON struct {
	Inode      uint64        `json:"inode"`
	Scope      inspect.Scope `json:"scope"`
	SharedWith []string      `json:"sharedWith,omitempty"`
}

type scanJSON struct {
	HostRoot string `json:"hostRoot"`
	inspect.ScanStats
}

func (v *lsView) scanInfo() scanJSON {
	return scanJSON{HostRoot: v.snap.Host.Root, ScanStats: v.snap.Stats}
}

func (v *lsView) warnings() []string {
	if v.snap.Warnings == nil {
		return []string{}
	}
	return v.snap.Warnings
}

func (v *lsView) renderSandboxes(w io.Writer) error {
	v.needSandboxes()
	var shown []int
	for i, sb := range v.sandboxes {
		if v.keep[i] {
			shown = append(shown, sb.Oldest)
		}
	}
	v.snap.LoadDetails(shown)
	limits := v.cgroupSummaries()
	if v.g.output == "json" {
		doc := struct {
			SchemaVersion int           `json:"schemaVersion"`
			View          string        `json:"view"`
			Scan          scanJSON      `json:"scan"`
			Sandboxes     []sandboxJSON `json:"sandboxes"`
			// Stopped is present with --all, empty or not.
			Stopped  *[]*inspect.Container `json:"stopped,omitempty"`
			Warnings []string              `json:"warnings"`
		}{SchemaVersion: SchemaVersion, View: "sandboxes", Scan: v.scanInfo(), Sandboxes: []sandboxJSON{}, Warnings: v.warnings()}
		if v.stopped != nil {
			doc.Stopped = &v.stopped
		}
		for i, sb := range v.sandboxes {
			if !v.keep[i] {
				continue
			}
			p := v.snap.Details(sb.Oldest)
			j := sandboxJSON{
				Name: v.sandboxName(sb), Host: sb.IsHost, Container: sb.Container,
				PID: sb.Oldest, Procs: len(sb.PIDs), PIDs: sb.PIDs,
				Namespaces: map[string]sandboxNSJSON{},
				UserNS:     v.snap.UserMapping(sb.NS[inspect.UserNS]),
				User:       v.userName(p.UID), UID: p.UID, Command: p.Cmdline,
			}
			if sb.Container != nil {
				j.Runtime, j.ID = sb.Container.Runtime, sb.Container.ID
			}
			j.Cgroup = limits[sb.Oldest]
			for _, t := range inspect.AllNSTypes {
				if sb.NS[t] == 0 {
					continue
				}
				nj := sandboxNSJSON{Inode: sb.NS[t], Scope: sb.Scope[t]}
				for _, k := range sb.SharedWith[t] {
					nj.SharedWith = append(nj.SharedWith, v.sandboxName(v.sandboxes[k]))
				}
				j.Namespaces[t.String()] = nj
			}
			doc.Sandboxes = append(doc.Sandboxes, j)
		}
		return writeJSON(w, doc)
	}
	header := []string{"NAME", "RUNTIME", "ID", "PID", "PROCS", "NAMESPACES", "USERNS", "MEM", "CPU", "PIDS", "COMMAND"}
	if v.noCgroup {
		header = slices.Delete(header, 7, 10)
	}
	t := &table{header: header}
	for i, sb := range v.sandboxes {
		if !v.keep[i] {
			continue
		}
		p := v.snap.Details(sb.Oldest)
		runtime, id := "-", "-"
		if c := sb.Container; c != nil {
			runtime = c.Runtime
			// LXC, nspawn and systemd units are known by name alone.
			if c.ID != c.Name {
				id = c.ShortID()
			}
		}
		row := []string{v.sandboxName(sb), runtime, id, strconv.Itoa(sb.Oldest), strconv.Itoa(len(sb.PIDs)),
			nsSummary(sb), string(v.snap.UserMapping(sb.NS[inspect.UserNS]))}
		if !v.noCgroup {
			mem, cpu, pids := cgroupCells(limits[sb.Oldest])
			row = append(row, mem, cpu, pids)
		}
		t.append(append(row, p.Cmdline)...)
	}
	for _, c := range v.stopped {
		row := []string{c.DisplayName(), c.Runtime, c.ShortID(), "-", "0", "-", "-"}
		if !v.noCgroup {
			row = append(row, "-", "-", "-")
		}
		t.append(append(row, "("+stoppedStatus(c, time.Now())+")")...)
	}
	return t.render(w, v.g.noHeaders, v.term, v.color)
}

// stoppedContainers lists the containers the runtimes' state knows that no
// scanned process belongs to and that are not running, most recently
// finished first.
func stoppedContainers(snap *inspect.Snapshot) []*inspect.Container {
	running := map[string]bool{}
	for _, c := range snap.Containers() {
		running[c.ID] = true
	}
	list := []*inspect.Container{}
	for _, c := range snap.Runtimes.All() {
		if running[c.ID] || c.State == "running" || c.State == "paused" {
			continue
		}
		list = append(list, c)
	}
	finished := func(c *inspect.Container) time.Time {
		if c.LastRun != nil && c.LastRun.FinishedAt != nil {
			return *c.LastRun.FinishedAt
		}
		return time.Time{}
	}
	sort.SliceStable(list, func(i, j int) bool { return finished(list[i]).After(finished(list[j])) })
	return list
}

// stoppedStatus says what docker ps -a says: "exited (3) 5m ago", "created",
// with "OOM-killed" when the runtime says so.
func stoppedStatus(c *inspect.Container, now time.Time) string {
	state := c.State
	if state == "" {
		state = "not running"
	}
	r := c.LastRun
	if r == nil {
		return state
	}
	if r.ExitCode != nil {
		state += " (" + strconv.Itoa(*r.ExitCode) + ")"
	}
	if r.OOMKilled {
		state += " OOM-killed"
	}
	if r.FinishedAt != nil {
		state += " " + ago(now.Sub(*r.FinishedAt)) + " ago"
	}
	return state
}

// ago is a duration rounded as people say it: 40s, 5m, 3h, 2d.
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(max(d, 0)/time.Second)) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d"
}

// cgroupSummaries reads the MEM, CPU and PIDS figures of the shown
// sandboxes (of their oldest process), but not the host's: its processes
// sit in many cgroups, and no one limit binds them. A host whose cgroups
// cannot be read shows dashes.
func (v *lsView) cgroupSummaries() map[int]*inspect.CgroupSummary {
	var pids []int
	for i, sb := range v.sandboxes {
		if v.keep[i] && !sb.IsHost {
			pids = append(pids, sb.Oldest)
		}
	}
	return v.summaries(pids)
}

// summaries reads the MEM, CPU and PIDS figures of the cgroups of pids:
// none with --no-cgroup, or on a host whose cgroups cannot be read.
func (v *lsView) summaries(pids []int) map[int]*inspect.CgroupSummary {
	if v.noCgroup {
		return nil
	}
	layout, err := v.snap.Host.CgroupLayout()
	if err != nil {
		return nil
	}
	return v.snap.Host.CgroupSummaries(pids, layout, nil)
}

// cgroupCells renders usage/limit compactly: "12M/64M", "3/-" (no limit),
// and the CPU quota in cores.
func cgroupCells(s *inspect.CgroupSummary) (mem, cpu, pids string) {
	if s == nil {
		return "-", "-", "-"
	}
	limit := func(l inspect.Limit, format func(uint64) string) string {
		if l.Value == nil {
			return "-"
		}
		return format(*l.Value)
	}
	cur := func(v *uint64, format func(uint64) string) string {
		if v == nil {
			return "?"
		}
		return format(*v)
	}
	count := func(v uint64) string { return strconv.FormatUint(v, 10) }
	pair := func(v *uint64, l inspect.Limit, format func(uint64) string) string {
		if v == nil && l.Value == nil {
			return "-" // nothing known, nothing binds (the root cgroup)
		}
		return cur(v, format) + "/" + limit(l, format)
	}
	mem = pair(s.MemoryCurrent, s.MemoryLimit, shortBytes)
	pids = pair(s.PIDsCurrent, s.PIDsLimit, count)
	cpu = "-"
	if s.CPUQuota != nil {
		cpu = strconv.FormatFloat(*s.CPUQuota, 'f', -1, 64)
	}
	return mem, cpu, pids
}

// shortBytes is a compact size for table cells: 512K, 64M, 1.5G.
func shortBytes(v uint64) string {
	const k = 1024
	for _, u := range []struct {
		div  uint64
		name string
	}{{k * k * k * k, "T"}, {k * k * k, "G"}, {k * k, "M"}, {k, "K"}} {
		if v >= u.div {
			f := float64(v) / float64(u.div)
			if f >= 10 || f == float64(uint64(f)) {
				return strconv.FormatFloat(f, 'f', 0, 64) + u.name
			}
			return strconv.FormatFloat(f, 'f', 1, 64) + u.name
		}
	}
	return strconv.FormatUint(v, 10) + "B"
}

// ---- namespace view ----

type namespaceJSON struct {
	Inode     uint64               `json:"inode"`
	Type      inspect.NSType       `json:"type"`
	NProcs    int                  `json:"nprocs"`
	NTasks    int                  `json:"ntasks,omitempty"`
	PID       int                  `json:"pid,omitempty"`
	User      string               `json:"user,omitempty"`
	UID       *int                 `json:"uid,omitempty"`
	Command   string               `json:"command,omitempty"`
	Container *inspect.Container   `json:"container,omitempty"`
	HeldBy    []inspect.Holder     `json:"heldBy"`
	Owner     uint64               `json:"owner,omitempty"`
	Parent    uint64               `json:"parent,omitempty"`
	OwnerUID  *uint32              `json:"ownerUid,omitempty"`
	UIDMap    []inspect.IDMapRange `json:"uidMap,omitempty"`
	GIDMap    []inspect.IDMapRange `json:"gidMap,omitempty"`
	Mapping   inspect.UserMapping  `json:"mapping,omitempty"`
}

func (v *lsView) renderNamespaces(w io.Writer, types []inspect.NSType) error {
	wanted := map[inspect.NSType]bool{}
	for _, t := range types {
		wanted[t] = true
	}
	var list []*inspect.Namespace
	for _, n := range v.snap.SortedNamespaces() {
		if len(wanted) > 0 && !wanted[n.Type] {
			continue
		}
		if v.keepNS != nil && !v.keepNS[n.ID()] {
			continue
		}
		list = append(list, n)
	}
	reps := make([]int, 0, len(list))
	for _, n := range list {
		if n.Rep != 0 {
			reps = append(reps, n.Rep)
		}
	}
	v.snap.LoadDetails(reps)
	if v.g.output == "json" {
		doc := struct {
			SchemaVersion int             `json:"schemaVersion"`
			View          string          `json:"view"`
			Scan          scanJSON        `json:"scan"`
			Namespaces    []namespaceJSON `json:"namespaces"`
			Warnings      []string        `json:"warnings"`
		}{SchemaVersion: SchemaVersion, View: "namespaces", Scan: v.scanInfo(), Namespaces: make([]namespaceJSON, 0, len(list)), Warnings: v.warnings()}
		for _, n := range list {
			j := namespaceJSON{Inode: n.Inode, Type: n.Type, NProcs: len(n.PIDs), NTasks: len(n.TIDs),
				HeldBy: n.HeldBy, Owner: n.Owner, Parent: n.Parent, OwnerUID: n.OwnerUID, UIDMap: n.UIDMap, GIDMap: n.GIDMap}
			if n.Rep != 0 {
				if p := v.snap.Details(n.Rep); p != nil {
					uid := p.UID
					j.PID, j.UID, j.User, j.Command, j.Container = p.PID, &uid, v.userName(p.UID), p.Cmdline, p.Container
				}
			}
			if n.Type == inspect.UserNS {
				j.Mapping = v.snap.UserMapping(n.Inode)
			}
			doc.Namespaces = append(doc.Namespaces, j)
		}
		return writeJSON(w, doc)
	}
	t := &table{header: []string{"NS", "TYPE", "NPROCS", "PID", "USER", "CONTAINER", "HELD-BY", "COMMAND"}}
	for _, n := range list {
		pid, user, command, container := "-", "-", "-", "-"
		if n.Rep != 0 {
			if p := v.snap.Details(n.Rep); p != nil {
				pid, user, command = strconv.Itoa(p.PID), v.userName(p.UID), p.Cmdline
				if p.Container != nil {
					container = p.Container.DisplayName()
				}
			}
		}
		t.append(strconv.FormatUint(n.Inode, 10), n.Type.String(), strconv.Itoa(len(n.PIDs)), pid, user, container, heldBy(n), command)
	}
	return t.render(w, v.g.noHeaders, v.term, v.color)
}

// heldBy is the HELD-BY cell.
func heldBy(n *inspect.Namespace) string { return holders(n.HeldBy, ",") }

// holders lists what holds a namespace, each distinct holder once (a bind
// mount copied into other mount namespaces, as `unshare --mount` does,
// reads the same in each; JSON keeps them apart by mntns), at most three.
func holders(hs []inspect.Holder, sep string) string {
	var parts []string
	seen := map[string]bool{}
	for _, h := range hs {
		if s := h.String(); !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
	}
	if len(parts) > 3 {
		parts = append(parts[:3], fmt.Sprintf("+%d", len(parts)-3))
	}
	return strings.Join(parts, sep)
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
