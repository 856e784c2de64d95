// Package vmtest boots a cgroup-v2-only kernel under QEMU (scripts/vm-test.sh,
// with vmtest/init.sh as the guest's /init) and checks nsx there against the
// kernel's own files. The machines nsx is developed and tested on run hybrid
// cgroups; most production hosts run pure v2, and only a VM gives both.
//
// The tier is opt-in (NSX_VM_TEST=1, which scripts/test.sh's VM tier sets):
// one boot costs seconds to minutes, and `go test ./...` would otherwise pay
// it a second time. NSX_VM_LOGDIR keeps the guest's logs; NSX_VM_REPLAY
// reruns the checks on a kept output.log; NSX_VM_BIN boots a given nsx
// instead of building one.
package vmtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"nsx/internal/testutil"
)

// What init.sh sets up; the values themselves are always read back from the
// kernel's files in the log, these only say which cgroup should bind.
const (
	parentCg = "/nsx/parent"
	childCg  = "/nsx/parent/child" // memory.max max, pids.max 50: the parent binds
	tightCg  = "/nsx/parent/tight" // memory.max 16M: its own limit binds memory
)

// vmTimeout bounds the whole run: provisioning, build and boot.
const vmTimeout = 4 * time.Minute

// section is one "=== BEGIN name ===" ... "=== END name ===" block of the
// guest's output, with the exit status of the command that printed it.
type section struct {
	body string
	rc   int // -1: no RC line
}

type guestLog map[string]*section

var markerRE = regexp.MustCompile(`^=== (BEGIN|END|RC) (.+?)(?: (-?\d+))? ===$`)

// parseGuestLog splits the guest's output into its sections. Lines outside
// sections (notes, shell messages) are ignored.
func parseGuestLog(text string) (guestLog, error) {
	log := guestLog{}
	var cur string
	var body strings.Builder
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "=== DONE ===" {
			log["DONE"] = &section{rc: -1}
			continue
		}
		m := markerRE.FindStringSubmatch(line)
		switch {
		case m == nil && cur != "":
			body.WriteString(line + "\n")
		case m == nil:
		case m[1] == "BEGIN":
			if cur != "" {
				return nil, fmt.Errorf("section %q begins inside %q", m[2], cur)
			}
			// The RC marker has a trailing number that the BEGIN and END
			// lines lack; a name ending in a number (a PID) is put back.
			cur = strings.TrimSpace(m[2] + " " + m[3])
			body.Reset()
		case m[1] == "END":
			name := strings.TrimSpace(m[2] + " " + m[3])
			if name != cur {
				return nil, fmt.Errorf("section %q ends while %q is open", name, cur)
			}
			log[cur] = &section{body: strings.TrimRight(body.String(), "\n"), rc: -1}
			cur = ""
		case m[1] == "RC":
			s, ok := log[m[2]]
			if !ok || m[3] == "" {
				return nil, fmt.Errorf("stray status line %q", line)
			}
			s.rc, _ = strconv.Atoi(m[3])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != "" {
		return nil, fmt.Errorf("section %q never ends (guest cut short?)", cur)
	}
	return log, nil
}

// get returns a section's body, failing the test when the guest did not
// print it or its command failed.
func (l guestLog) get(t *testing.T, name string) string {
	t.Helper()
	s, ok := l[name]
	if !ok {
		t.Fatalf("the guest printed no section %q", name)
	}
	if s.rc != 0 {
		stderr := ""
		if e, ok := l[name+".stderr"]; ok {
			stderr = e.body
		}
		t.Fatalf("section %q: command exited %d; stderr: %s", name, s.rc, stderr)
	}
	return s.body
}

// getRC returns a section's body, failing the test unless its command
// exited rc: nsx why-killed exits 4 for a critical finding.
func (l guestLog) getRC(t *testing.T, name string, rc int) string {
	t.Helper()
	s, ok := l[name]
	if !ok {
		t.Fatalf("the guest printed no section %q", name)
	}
	if s.rc != rc {
		stderr := ""
		if e, ok := l[name+".stderr"]; ok {
			stderr = e.body
		}
		t.Errorf("section %q: command exited %d, want %d; stderr: %s", name, s.rc, rc, stderr)
	}
	return s.body
}

// file returns the content of a cgroup file as the guest's cat printed it.
func (l guestLog) file(t *testing.T, cgroup, name string) string {
	t.Helper()
	return strings.TrimSpace(l.get(t, "file "+cgroup+"/"+name))
}

// limitFile parses a cgroup v2 limit file ("max" or a number): nil is
// unlimited, as in nsx's JSON.
func (l guestLog) limitFile(t *testing.T, cgroup, name string) *uint64 {
	t.Helper()
	s := l.file(t, cgroup, name)
	if s == "max" {
		return nil
	}
	return ptr(parseUint(t, cgroup+"/"+name, s))
}

// keyed parses a flat-keyed file ("oom_kill 1" per line).
func (l guestLog) keyed(t *testing.T, cgroup, name string) map[string]uint64 {
	t.Helper()
	m := map[string]uint64{}
	for _, line := range strings.Split(l.file(t, cgroup, name), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("%s/%s: line %q is not \"key value\"", cgroup, name, line)
		}
		m[k] = parseUint(t, cgroup+"/"+name, v)
	}
	return m
}

func parseUint(t *testing.T, what, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func ptr[T any](v T) *T { return &v }

func fmtPtr[T any](p *T) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}

// The JSON documents, decoded into local types built from the documented
// contract, not from nsx's own structs: a renamed or retyped field must break
// this test as it would break a script.
type limitDoc struct {
	Value *uint64 `json:"value"`
	SetBy string  `json:"setBy"`
}

type cgroupDoc struct {
	SchemaVersion int               `json:"schemaVersion"`
	View          string            `json:"view"`
	PID           int               `json:"pid"`
	Layout        string            `json:"layout"`
	Paths         map[string]string `json:"paths"`
	Memory        *struct {
		Cgroup  string   `json:"cgroup"`
		Version int      `json:"version"`
		Limit   limitDoc `json:"limit"`
		Own     struct {
			Max *uint64 `json:"max"`
		} `json:"own"`
		Current *uint64           `json:"current"`
		Percent *float64          `json:"percent"`
		Events  map[string]uint64 `json:"events"`
	} `json:"memory"`
	PIDs *struct {
		Cgroup    string   `json:"cgroup"`
		Version   int      `json:"version"`
		Limit     limitDoc `json:"limit"`
		Current   *uint64  `json:"current"`
		EventsMax *uint64  `json:"eventsMax"`
	} `json:"pids"`
	Warnings []string `json:"warnings"`
}

type lsDoc struct {
	SchemaVersion int    `json:"schemaVersion"`
	View          string `json:"view"`
	Scan          struct {
		Processes int `json:"processes"`
		Hidden    int `json:"hidden"`
	} `json:"scan"`
	Sandboxes []struct {
		Name       string `json:"name"`
		Host       bool   `json:"host"`
		PID        int    `json:"pid"`
		Procs      int    `json:"procs"`
		PIDs       []int  `json:"pids"`
		Namespaces map[string]struct {
			Inode uint64 `json:"inode"`
			Scope string `json:"scope"`
		} `json:"namespaces"`
		Cgroup *struct {
			MemoryLimit limitDoc `json:"memoryLimit"`
			PIDsCurrent *uint64  `json:"pidsCurrent"`
			PIDsLimit   limitDoc `json:"pidsLimit"`
		} `json:"cgroup"`
		Command string `json:"command"`
	} `json:"sandboxes"`
	Warnings []string `json:"warnings"`
}

// The JSON of nsx why-killed (the fields checked here), from the documented
// contract.
type whyKilledKillDoc struct {
	Time        *time.Time `json:"time"`
	PID         int        `json:"pid"`
	Comm        string     `json:"comm"`
	Kind        string     `json:"kind"`
	OOMMemcg    string     `json:"oomMemcg"`
	TaskMemcg   string     `json:"taskMemcg"`
	LimitBytes  *uint64    `json:"limitBytes"`
	UsageBytes  *uint64    `json:"usageBytes"`
	Source      string     `json:"source"`
	Monotonic   float64    `json:"monotonic"`
	MainProcess *bool      `json:"mainProcess"`
}

type whyKilledDoc struct {
	SchemaVersion int `json:"schemaVersion"`
	Target        struct {
		Kind      string          `json:"kind"`
		PID       int             `json:"pid"`
		Alive     bool            `json:"alive"`
		Container json.RawMessage `json:"container"`
	} `json:"target"`
	Verdict struct {
		Code     string `json:"code"`
		Number   int    `json:"number"`
		Severity string `json:"severity"`
		Summary  string `json:"summary"`
	} `json:"verdict"`
	Kills []whyKilledKillDoc `json:"kills"`
}

type whyKilledAllDoc struct {
	SchemaVersion int                `json:"schemaVersion"`
	View          string             `json:"view"`
	Kills         []whyKilledKillDoc `json:"kills"`
}

// runVM runs scripts/vm-test.sh once and parses what the guest printed.
func runVM(t *testing.T) guestLog {
	t.Helper()
	// NSX_VM_REPLAY reruns the checks on a kept output.log without booting:
	// for working on the checks, or on a log from a failed CI run.
	if replay := os.Getenv("NSX_VM_REPLAY"); replay != "" {
		b, err := os.ReadFile(replay)
		if err != nil {
			t.Fatalf("NSX_VM_REPLAY: %v", err)
		}
		log, err := parseGuestLog(string(b))
		if err != nil {
			t.Fatalf("NSX_VM_REPLAY %s: %v", replay, err)
		}
		return log
	}
	root := testutil.ModuleRoot(t)
	// NSX_VM_LOGDIR keeps the logs after the run (scripts/test.sh sets it,
	// so a failed CI run leaves them to read).
	outdir := os.Getenv("NSX_VM_LOGDIR")
	if outdir == "" {
		outdir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), vmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts", "vm-test.sh"), outdir)
	cmd.Dir = root
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("scripts/vm-test.sh %s (%.1fs):\n%s", outdir, time.Since(start).Seconds(), out)
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit) && exit.ExitCode() == 3:
		// A missing prerequisite (no qemu, no kernel, not root to install
		// them): fine on a laptop, never in CI, where the tier must run.
		if testutil.InCI() {
			t.Fatalf("CI=true but the VM cannot run: %s", out)
		}
		t.Skipf("the VM cannot run here: %s", out)
	case ctx.Err() != nil:
		t.Fatalf("scripts/vm-test.sh did not finish within %s", vmTimeout)
	case err != nil:
		t.Fatalf("scripts/vm-test.sh: %v\nend of the kernel console:\n%s", err, tail(filepath.Join(outdir, "console.log"), 30))
	}
	b, err := os.ReadFile(filepath.Join(outdir, "output.log"))
	if err != nil {
		t.Fatalf("reading the guest's output: %v", err)
	}
	log, err := parseGuestLog(string(b))
	if err != nil {
		t.Fatalf("parsing the guest's output %s: %v\nend of the kernel console:\n%s", filepath.Join(outdir, "output.log"), err, tail(filepath.Join(outdir, "console.log"), 30))
	}
	if _, ok := log["DONE"]; !ok {
		t.Fatalf("the guest stopped before its end; see %s\nend of the kernel console:\n%s", filepath.Join(outdir, "output.log"), tail(filepath.Join(outdir, "console.log"), 30))
	}
	return log
}

func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// guestPIDs reads the "pids" section: which PID init.sh left where.
func guestPIDs(t *testing.T, log guestLog) (child, tight, sandbox int) {
	t.Helper()
	m := map[string]int{}
	for _, f := range strings.Fields(log.get(t, "pids")) {
		k, v, _ := strings.Cut(f, "=")
		m[k] = int(parseUint(t, "pids section", v))
	}
	if m["child"] == 0 || m["tight"] == 0 || m["sandbox"] == 0 {
		t.Fatalf("pids section incomplete: %v", m)
	}
	return m["child"], m["tight"], m["sandbox"]
}

// guestHogs reads the "hogs" section: the PIDs of the memory hogs the OOM
// killer ended.
func guestHogs(t *testing.T, log guestLog) (child, tight int) {
	t.Helper()
	m := map[string]int{}
	for _, f := range strings.Fields(log.get(t, "hogs")) {
		k, v, _ := strings.Cut(f, "=")
		m[k] = int(parseUint(t, "hogs section", v))
	}
	if m["child"] == 0 || m["tight"] == 0 {
		t.Fatalf("hogs section incomplete: %v", m)
	}
	return m["child"], m["tight"]
}

func TestCgroupV2VM(t *testing.T) {
	if os.Getenv("NSX_VM_TEST") != "1" {
		t.Skip("the cgroup v2 VM tier is opt-in: NSX_VM_TEST=1 (scripts/test.sh's VM tier sets it)")
	}
	log := runVM(t)
	childPID, tightPID, sandboxPID := guestPIDs(t, log)

	t.Run("kernel is cgroup v2 only", func(t *testing.T) {
		if cmdline := log.get(t, "cmdline"); !strings.Contains(cmdline, "cgroup_no_v1=all") {
			t.Errorf("kernel command line %q lacks cgroup_no_v1=all", cmdline)
		}
		var v2 []string
		for _, line := range strings.Split(log.get(t, "mountinfo"), "\n") {
			// mountinfo: fields ... " - " fstype source options.
			_, after, ok := strings.Cut(line, " - ")
			if !ok {
				continue
			}
			switch fstype := strings.Fields(after)[0]; fstype {
			case "cgroup":
				t.Errorf("a cgroup v1 hierarchy is mounted: %s", line)
			case "cgroup2":
				v2 = append(v2, strings.Fields(line)[4])
			}
		}
		if !slices.Equal(v2, []string{"/sys/fs/cgroup"}) {
			t.Errorf("cgroup2 mount points = %v, want [/sys/fs/cgroup]", v2)
		}
		// On v2 alone, a process's cgroup file holds the one "0::" line.
		for _, pid := range []int{1, childPID} {
			if got := log.get(t, fmt.Sprintf("proc %d cgroup", pid)); strings.Count(got, "\n") != 0 || !strings.HasPrefix(got, "0::/") {
				t.Errorf("/proc/%d/cgroup = %q, want one 0::/... line", pid, got)
			}
		}
	})

	t.Run("nsx enter joins the sandbox's cgroup and namespaces", func(t *testing.T) {
		if got, want := log.get(t, "nsx enter cgroup"), log.get(t, fmt.Sprintf("proc %d cgroup", sandboxPID)); got != want {
			t.Errorf("/proc/self/cgroup through nsx enter = %q, want the sandbox's %q", got, want)
		}
		for _, typ := range []string{"ipc", "mnt", "net", "uts"} {
			got, want := log.get(t, "nsx enter ns "+typ), log.get(t, fmt.Sprintf("proc %d ns %s", sandboxPID, typ))
			if got != want {
				t.Errorf("%s namespace through nsx enter = %q, want the sandbox's %q", typ, got, want)
			}
			if init := log.get(t, "proc 1 ns "+typ); got == init {
				t.Errorf("%s namespace through nsx enter is init's %q: nothing was entered", typ, got)
			}
		}
	})

	t.Run("nsx enter into a cgroup and pid namespace under nsdelegate", func(t *testing.T) {
		// The box: a cgroup of its own, and its own cgroup and pid
		// namespaces; the sleep nsx runs in it must be in the box's
		// cgroup (seen from the root cgroup namespace) and namespaces, on
		// the fast path and on Go's.
		want := log.get(t, "proc box cgroup")
		if want != "0::/nsx/box" {
			t.Fatalf("the box's cgroup is %q, want 0::/nsx/box (init.sh)", want)
		}
		for _, how := range []string{"fast", "go"} {
			if got := log.get(t, "box enter "+how+" cgroup"); got != want {
				t.Errorf("%s: the entered sleep's cgroup is %q, want the box's %q (stderr %q)", how, got, want, log.get(t, "box enter "+how+" stderr"))
			}
			for _, typ := range []string{"cgroup", "ipc", "mnt", "net", "pid", "uts"} {
				got, boxNS := log.get(t, "box enter "+how+" ns "+typ), log.get(t, "proc box ns "+typ)
				if got != boxNS || got == log.get(t, "proc 1 ns "+typ) {
					t.Errorf("%s: the entered sleep's %s namespace is %q, want the box's %q (not init's)", how, typ, got, boxNS)
				}
			}
		}
	})

	t.Run("kernel saw the OOM kills and the refused forks", func(t *testing.T) {
		// Sanity of the setup itself: without these the nsx checks below
		// would compare against a hierarchy that is not the one intended.
		if got := log.limitFile(t, parentCg, "memory.max"); got == nil {
			t.Errorf("%s/memory.max is max; init.sh sets 64M", parentCg)
		}
		if got := log.limitFile(t, childCg, "memory.max"); got != nil {
			t.Errorf("%s/memory.max = %d; init.sh leaves it max, so that the parent binds", childCg, *got)
		}
		if got := log.file(t, childCg, "cgroup.procs"); got != strconv.Itoa(childPID) {
			t.Errorf("%s/cgroup.procs = %q, want only the sleeper %d (the fork loop's leftovers were not cleaned up)", childCg, got, childPID)
		}
		for _, cg := range []string{childCg, tightCg} {
			if ev := log.keyed(t, cg, "memory.events"); ev["oom_kill"] < 1 {
				t.Errorf("%s/memory.events oom_kill = %d, want >= 1 (the memory hog was not OOM-killed)", cg, ev["oom_kill"])
			}
		}
		if ev := log.keyed(t, childCg, "pids.events"); ev["max"] < 1 {
			t.Errorf("%s/pids.events max = %d, want >= 1 (no fork was refused)", childCg, ev["max"])
		}
	})

	t.Run("nsx ls", func(t *testing.T) {
		var doc lsDoc
		if err := json.Unmarshal([]byte(log.get(t, "nsx ls")), &doc); err != nil {
			t.Fatalf("nsx ls -o json: %v", err)
		}
		if doc.View != "sandboxes" || doc.SchemaVersion != 1 {
			t.Errorf("view %q schemaVersion %d, want sandboxes 1", doc.View, doc.SchemaVersion)
		}
		// init.sh is PID 1 and root there: nothing is out of reach.
		if doc.Scan.Hidden != 0 {
			t.Errorf("scan.hidden = %d, want 0 (root in the guest reads every process)", doc.Scan.Hidden)
		}
		if len(doc.Warnings) != 0 {
			t.Errorf("warnings: %q", doc.Warnings)
		}
		where := map[int]int{} // PID -> index of its sandbox
		hosts := 0
		for i, sb := range doc.Sandboxes {
			if sb.Host {
				hosts++
			}
			if sb.Procs != len(sb.PIDs) {
				t.Errorf("sandbox %q: procs %d but %d pids", sb.Name, sb.Procs, len(sb.PIDs))
			}
			for _, p := range sb.PIDs {
				if j, dup := where[p]; dup {
					t.Errorf("PID %d is in sandboxes %q and %q", p, doc.Sandboxes[j].Name, sb.Name)
				}
				where[p] = i
			}
		}
		if hosts != 1 {
			t.Fatalf("%d host sandboxes, want 1", hosts)
		}
		for _, p := range []int{1, childPID, tightPID, sandboxPID} {
			if _, ok := where[p]; !ok {
				t.Fatalf("PID %d is in no sandbox", p)
			}
		}
		host := doc.Sandboxes[where[1]]
		if !host.Host || host.PID != 1 {
			t.Errorf("PID 1 is in sandbox %q (host %v, pid %d), want the host sandbox led by PID 1", host.Name, host.Host, host.PID)
		}
		for _, p := range []int{childPID, tightPID} {
			if where[p] != where[1] {
				t.Errorf("PID %d (only its cgroup differs) is in sandbox %q, not the host's", p, doc.Sandboxes[where[p]].Name)
			}
		}
		sb := doc.Sandboxes[where[sandboxPID]]
		if sb.Host || !slices.Equal(sb.PIDs, []int{sandboxPID}) {
			t.Errorf("the unshared sleeper %d is in sandbox %q (host %v, pids %v), want its own", sandboxPID, sb.Name, sb.Host, sb.PIDs)
		}
		// The kernel's namespace links against nsx's inodes and scopes.
		private := map[string]bool{"ipc": true, "mnt": true, "net": true, "uts": true}
		for _, typ := range []string{"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"} {
			link := log.get(t, fmt.Sprintf("proc %d ns %s", sandboxPID, typ))
			hostLink := log.get(t, fmt.Sprintf("proc 1 ns %s", typ))
			ns, ok := sb.Namespaces[typ]
			if !ok {
				t.Errorf("sandbox %q: no %s namespace", sb.Name, typ)
				continue
			}
			if want := fmt.Sprintf("%s:[%d]", typ, ns.Inode); link != want {
				t.Errorf("sandbox %q %s: nsx says %s, the kernel %s", sb.Name, typ, want, link)
			}
			wantScope := "host"
			if private[typ] {
				wantScope = "private"
			}
			if ns.Scope != wantScope {
				t.Errorf("sandbox %q %s: scope %q, want %q", sb.Name, typ, ns.Scope, wantScope)
			}
			if (link == hostLink) == private[typ] {
				t.Errorf("%s namespace of %d is %s, of PID 1 %s: unshare -u -i -n -m did not do what init.sh expects", typ, sandboxPID, link, hostLink)
			}
		}
		// The MEM and PIDS figures of the sandbox, from its cgroup (tight).
		if sb.Cgroup == nil {
			t.Fatalf("sandbox %q has no cgroup summary", sb.Name)
		}
		wantMem := limitDoc{Value: log.limitFile(t, tightCg, "memory.max"), SetBy: tightCg}
		wantPIDs := limitDoc{Value: log.limitFile(t, parentCg, "pids.max"), SetBy: parentCg}
		if !sameLimit(sb.Cgroup.MemoryLimit, wantMem) {
			t.Errorf("sandbox %q memoryLimit = %s, the kernel's = %s", sb.Name, fmtLimit(sb.Cgroup.MemoryLimit), fmtLimit(wantMem))
		}
		if !sameLimit(sb.Cgroup.PIDsLimit, wantPIDs) {
			t.Errorf("sandbox %q pidsLimit = %s, the kernel's = %s", sb.Name, fmtLimit(sb.Cgroup.PIDsLimit), fmtLimit(wantPIDs))
		}
		if want := parseUint(t, "pids.current", log.file(t, tightCg, "pids.current")); sb.Cgroup.PIDsCurrent == nil || *sb.Cgroup.PIDsCurrent != want {
			t.Errorf("sandbox %q pidsCurrent = %s, the kernel's %d", sb.Name, fmtPtr(sb.Cgroup.PIDsCurrent), want)
		}
	})

	t.Run("other nsx views run cleanly", func(t *testing.T) {
		for _, name := range []string{"nsx ls text", "nsx ls --ns", "nsx ls --tree", "nsx top"} {
			t.Run(name, func(t *testing.T) {
				if out := log.get(t, name); strings.TrimSpace(out) == "" {
					t.Errorf("%s printed nothing", name)
				}
				if e, ok := log[name+".stderr"]; ok {
					t.Errorf("%s wrote to stderr: %s", name, e.body)
				}
			})
		}
	})

	t.Run("nsx why-killed", func(t *testing.T) { checkWhyKilled(t, log) })

	t.Run("nsx cgroup", func(t *testing.T) {
		if _, ok := log["nsx-cgroup-missing"]; ok {
			t.Fatalf("the nsx built for the guest has no `cgroup` command, so nothing checks `nsx cgroup PID -o json` against the kernel")
		}
		tests := []struct {
			name      string
			pid       int
			cgroup    string
			memSetBy  string // the cgroup whose memory.max binds
			pidsSetBy string
		}{
			{"child: the parent's limits bind", childPID, childCg, parentCg, parentCg},
			{"tight: its own memory.max binds", tightPID, tightCg, tightCg, parentCg},
			{"unshared sleeper in tight", sandboxPID, tightCg, tightCg, parentCg},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				checkCgroupDoc(t, log, tt.pid, tt.cgroup, tt.memSetBy, tt.pidsSetBy)
			})
		}
		if text := log.get(t, fmt.Sprintf("nsx cgroup text %d", childPID)); !strings.Contains(text, parentCg) {
			t.Errorf("nsx cgroup %d (text) never names %s, the ancestor that binds:\n%s", childPID, parentCg, text)
		}
	})
}

// checkWhyKilled checks nsx why-killed on the guest's dead memory hogs and
// its host-wide list against what the kernel logged and init.sh set.
func checkWhyKilled(t *testing.T, log guestLog) {
	if _, ok := log["nsx-why-killed-missing"]; ok {
		t.Fatalf("the nsx built for the guest has no `why-killed` command")
	}
	childHog, tightHog := guestHogs(t, log)
	// The kernel's own word first: these PIDs are the ones it killed.
	dmesg := log.get(t, "dmesg-oom")
	for _, pid := range []int{childHog, tightHog} {
		if !strings.Contains(dmesg, fmt.Sprintf("Killed process %d (dd)", pid)) {
			t.Fatalf("setup: the kernel log names no kill of hog %d:\n%s", pid, dmesg)
		}
	}
	parentMax, tightMax := log.limitFile(t, parentCg, "memory.max"), log.limitFile(t, tightCg, "memory.max")
	if parentMax == nil || tightMax == nil {
		t.Fatalf("setup: memory.max of %s %s and %s %s, init.sh sets both", parentCg, fmtPtr(parentMax), tightCg, fmtPtr(tightMax))
	}
	type want struct {
		pid                       int
		code                      string
		number                    int
		kind, oomMemcg, taskMemcg string
		limit                     uint64
	}
	hogs := []struct {
		name string
		want want
	}{
		{"child hog: the parent's limit", want{childHog, "oom-ancestor-limit", 2, "ancestor-limit", parentCg, childCg, *parentMax}},
		{"tight hog: its own limit", want{tightHog, "oom-limit", 1, "limit", tightCg, tightCg, *tightMax}},
	}
	checkKill := func(t *testing.T, k whyKilledKillDoc, w want) {
		t.Helper()
		if k.PID != w.pid || k.Comm != "dd" || k.Kind != w.kind {
			t.Errorf("kill pid %d comm %q kind %q, want %d dd %q", k.PID, k.Comm, k.Kind, w.pid, w.kind)
		}
		if k.OOMMemcg != w.oomMemcg || k.TaskMemcg != w.taskMemcg {
			t.Errorf("kill oomMemcg %q taskMemcg %q, want %q %q", k.OOMMemcg, k.TaskMemcg, w.oomMemcg, w.taskMemcg)
		}
		if k.LimitBytes == nil || *k.LimitBytes != w.limit {
			t.Errorf("kill limitBytes %s, want %d (%s/memory.max)", fmtPtr(k.LimitBytes), w.limit, w.oomMemcg)
		}
		if k.Source == "" || k.Monotonic <= 0 || k.Time == nil {
			t.Errorf("kill source %q monotonic %v time %v, want all three", k.Source, k.Monotonic, k.Time)
		}
	}
	for _, h := range hogs {
		t.Run(h.name, func(t *testing.T) {
			name := fmt.Sprintf("nsx why-killed %d", h.want.pid)
			body := log.getRC(t, name, 4)
			var doc whyKilledDoc
			if err := json.Unmarshal([]byte(body), &doc); err != nil {
				t.Fatalf("%s -o json: %v\n%s", name, err, body)
			}
			if doc.SchemaVersion != 1 {
				t.Errorf("schemaVersion %d, want 1", doc.SchemaVersion)
			}
			if v := doc.Verdict; v.Code != h.want.code || v.Number != h.want.number || v.Severity != "critical" {
				t.Errorf("verdict %q (%d, %s), want %q (%d, critical); summary: %s", v.Code, v.Number, v.Severity, h.want.code, h.want.number, v.Summary)
			}
			if tg := doc.Target; tg.Kind != "process" || tg.PID != h.want.pid || tg.Alive || len(tg.Container) != 0 {
				t.Errorf("target %+v, want process %d, not alive, no container", tg, h.want.pid)
			}
			if len(doc.Kills) != 1 {
				t.Fatalf("%d kills, want 1: %+v", len(doc.Kills), doc.Kills)
			}
			checkKill(t, doc.Kills[0], h.want)
		})
	}
	t.Run("the text names the parent that binds", func(t *testing.T) {
		if text := log.getRC(t, fmt.Sprintf("nsx why-killed text %d", childHog), 4); !strings.Contains(text, parentCg) {
			t.Errorf("nsx why-killed %d (text) never names %s:\n%s", childHog, parentCg, text)
		}
	})
	t.Run("--all: both kills, most recent first", func(t *testing.T) {
		body := log.getRC(t, "nsx why-killed --all", 4)
		var doc whyKilledAllDoc
		if err := json.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatalf("nsx why-killed --all -o json: %v\n%s", err, body)
		}
		if doc.SchemaVersion != 1 || doc.View != "kills" {
			t.Errorf("schemaVersion %d view %q, want 1 kills", doc.SchemaVersion, doc.View)
		}
		// The guest kills nothing else: the tight hog died last.
		if len(doc.Kills) != 2 {
			t.Fatalf("%d kills, want the 2 hogs: %+v", len(doc.Kills), doc.Kills)
		}
		checkKill(t, doc.Kills[0], hogs[1].want)
		checkKill(t, doc.Kills[1], hogs[0].want)
	})
}

// checkCgroupDoc compares `nsx cgroup PID -o json` with the kernel's files
// printed next to it.
func checkCgroupDoc(t *testing.T, log guestLog, pid int, cgroup, memSetBy, pidsSetBy string) {
	var doc cgroupDoc
	if err := json.Unmarshal([]byte(log.get(t, fmt.Sprintf("nsx cgroup %d", pid))), &doc); err != nil {
		t.Fatalf("nsx cgroup %d -o json: %v", pid, err)
	}
	if doc.View != "cgroup" || doc.SchemaVersion != 1 || doc.PID != pid {
		t.Errorf("view %q schemaVersion %d pid %d, want cgroup 1 %d", doc.View, doc.SchemaVersion, doc.PID, pid)
	}
	if doc.Layout != "v2" {
		t.Errorf("layout %q, want v2 (the guest mounts cgroup2 alone)", doc.Layout)
	}
	if len(doc.Warnings) != 0 {
		t.Errorf("warnings: %q", doc.Warnings)
	}
	kernelPath := strings.TrimPrefix(log.get(t, fmt.Sprintf("proc %d cgroup", pid)), "0::")
	if kernelPath != cgroup {
		t.Fatalf("/proc/%d/cgroup says %s, init.sh put it in %s", pid, kernelPath, cgroup)
	}
	if want := map[string]string{"unified": cgroup}; !maps.Equal(doc.Paths, want) {
		t.Errorf("paths = %v, want %v", doc.Paths, want)
	}

	if m := doc.Memory; m == nil {
		t.Errorf("no memory section")
	} else {
		if m.Cgroup != cgroup || m.Version != 2 {
			t.Errorf("memory: cgroup %q version %d, want %q 2", m.Cgroup, m.Version, cgroup)
		}
		want := limitDoc{Value: log.limitFile(t, memSetBy, "memory.max"), SetBy: memSetBy}
		if !sameLimit(m.Limit, want) {
			t.Errorf("memory.limit = %s, the kernel's %s/memory.max = %s", fmtLimit(m.Limit), memSetBy, fmtLimit(want))
		}
		if own := log.limitFile(t, cgroup, "memory.max"); fmtPtr(m.Own.Max) != fmtPtr(own) {
			t.Errorf("memory.own.max = %s, the kernel's %s/memory.max = %s", fmtPtr(m.Own.Max), cgroup, fmtPtr(own))
		}
		// memory.events of the cgroup itself, every key, renamed as the
		// contract says; the guest is idle by now, so nothing moves.
		wantEvents := map[string]uint64{}
		for k, v := range log.keyed(t, cgroup, "memory.events") {
			wantEvents[camel(k)] = v
		}
		if !maps.Equal(m.Events, wantEvents) {
			t.Errorf("memory.events = %v, the kernel's %s/memory.events = %v", m.Events, cgroup, wantEvents)
		}
		if m.Events["oomKill"] < 1 {
			t.Errorf("memory.events.oomKill = %d, want >= 1", m.Events["oomKill"])
		}
		// memory.current drifts by a page or so between the guest's cat and
		// nsx's read, so only its consistency is checked.
		if m.Current == nil || *m.Current == 0 || (want.Value != nil && *m.Current > *want.Value) {
			t.Errorf("memory.current = %s, want > 0 and <= the limit %s", fmtPtr(m.Current), fmtPtr(want.Value))
		} else if want.Value != nil {
			wantPct := float64(*m.Current) / float64(*want.Value) * 100
			if m.Percent == nil || math.Abs(*m.Percent-wantPct) > 1e-6 {
				t.Errorf("memory.percent = %s, want current/limit = %g", fmtPtr(m.Percent), wantPct)
			}
		}
	}

	if p := doc.PIDs; p == nil {
		t.Errorf("no pids section")
	} else {
		if p.Cgroup != cgroup || p.Version != 2 {
			t.Errorf("pids: cgroup %q version %d, want %q 2", p.Cgroup, p.Version, cgroup)
		}
		want := limitDoc{Value: log.limitFile(t, pidsSetBy, "pids.max"), SetBy: pidsSetBy}
		if !sameLimit(p.Limit, want) {
			t.Errorf("pids.limit = %s, the kernel's %s/pids.max = %s", fmtLimit(p.Limit), pidsSetBy, fmtLimit(want))
		}
		if cur := parseUint(t, "pids.current", log.file(t, cgroup, "pids.current")); p.Current == nil || *p.Current != cur {
			t.Errorf("pids.current = %s, the kernel's %s/pids.current = %d", fmtPtr(p.Current), cgroup, cur)
		}
		if ev := log.keyed(t, cgroup, "pids.events")["max"]; p.EventsMax == nil || *p.EventsMax != ev {
			t.Errorf("pids.eventsMax = %s, the kernel's %s/pids.events max = %d", fmtPtr(p.EventsMax), cgroup, ev)
		}
	}
}

// camel turns memory.events keys into the contract's JSON keys:
// oom_group_kill -> oomGroupKill.
func camel(key string) string {
	parts := strings.Split(key, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

func sameLimit(a, b limitDoc) bool { return a.SetBy == b.SetBy && fmtPtr(a.Value) == fmtPtr(b.Value) }

func fmtLimit(l limitDoc) string {
	return fmt.Sprintf("{value %s, setBy %q}", fmtPtr(l.Value), l.SetBy)
}
