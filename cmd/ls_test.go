package cmd_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"nsx/internal/testutil"
)

// Fixture facts (testdata/hosts/*), as their files define them.
const (
	webShortID     = "3f4e8c2a9b1d"
	dbShortID      = "7c3a9e10b2d4"
	metricsShortID = "7c3a9e55d1f3"
	debugShortID   = "a41f9b3c7e20"
	pauseID        = "9b8a7c6d5e4f30211a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"
	podUID         = "6f1c2b8e-4a7d-4e21-9c3b-5d8e7f6a1b20"
	webPIDNS       = 4026532603
	blueNetNS      = 4026532800
	fdOnlyNetNS    = 4026532500
)

// The JSON documents, decoded into local types so that a renamed or
// retyped field breaks the test as it would break a script.
type scanDoc struct {
	HostRoot  string `json:"hostRoot"`
	Processes int    `json:"processes"`
	Vanished  int    `json:"vanished"`
	Hidden    int    `json:"hidden"`
}

// containerDoc is the documented JSON of a container (a sandbox's
// "container", an element of "stopped"): one reading for every test.
type containerDoc struct {
	Runtime string `json:"runtime"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Pod     *struct {
		Namespace string `json:"namespace"`
		Name      string `json:"name"`
		UID       string `json:"uid"`
	} `json:"pod"`
	PodSandbox bool   `json:"podSandbox"`
	Image      string `json:"image"`
	Namespace  string `json:"namespace"`
	Owner      string `json:"owner"`
	State      string `json:"state"`
	InitPID    int    `json:"initPid"`
	LastRun    *struct {
		StartedAt    *time.Time `json:"startedAt"`
		FinishedAt   *time.Time `json:"finishedAt"`
		ExitCode     *int       `json:"exitCode"`
		OOMKilled    bool       `json:"oomKilled"`
		Error        string     `json:"error"`
		RestartCount int        `json:"restartCount"`
	} `json:"lastRun"`
	Settings *struct {
		Privileged     bool     `json:"privileged"`
		CapAdd         []string `json:"capAdd"`
		ReadonlyRootfs bool     `json:"readonlyRootfs"`
		RestartPolicy  string   `json:"restartPolicy"`
	} `json:"settings"`
	Sources []string `json:"sources"`
}

type sandboxesDoc struct {
	SchemaVersion int          `json:"schemaVersion"`
	View          string       `json:"view"`
	Scan          scanDoc      `json:"scan"`
	Sandboxes     []sandboxDoc `json:"sandboxes"`
	// Stopped is there with ls -a.
	Stopped  []containerDoc `json:"stopped"`
	Warnings []string       `json:"warnings"`
}

type sandboxDoc struct {
	Name       string        `json:"name"`
	Host       bool          `json:"host"`
	Runtime    string        `json:"runtime"`
	ID         string        `json:"id"`
	Container  *containerDoc `json:"container"`
	PID        int           `json:"pid"`
	Procs      int           `json:"procs"`
	PIDs       []int         `json:"pids"`
	Namespaces map[string]struct {
		Inode      uint64   `json:"inode"`
		Scope      string   `json:"scope"`
		SharedWith []string `json:"sharedWith"`
	} `json:"namespaces"`
	UserNS  string `json:"userns"`
	User    string `json:"user"`
	Command string `json:"command"`
}

type holderDoc struct {
	Kind string `json:"kind"`
	PID  int    `json:"pid"`
	FD   int    `json:"fd"`
	Path string `json:"path"`
}

type namespacesDoc struct {
	SchemaVersion int     `json:"schemaVersion"`
	View          string  `json:"view"`
	Scan          scanDoc `json:"scan"`
	Namespaces    []struct {
		Inode     uint64        `json:"inode"`
		Type      string        `json:"type"`
		NProcs    int           `json:"nprocs"`
		PID       int           `json:"pid"`
		Container *containerDoc `json:"container"`
		HeldBy    []holderDoc   `json:"heldBy"`
		Mapping   string        `json:"mapping"`
		UIDMap    []struct {
			Inside, Outside, Count uint32
		} `json:"uidMap"`
	} `json:"namespaces"`
	Warnings []string `json:"warnings"`
}

type treeNodeDoc struct {
	Type      string `json:"type"`
	Inode     uint64 `json:"inode"`
	Sandboxes []struct {
		Name string `json:"name"`
		PID  int    `json:"pid"`
	} `json:"sandboxes"`
	Children []*treeNodeDoc `json:"children"`
}

type treeDoc struct {
	SchemaVersion int            `json:"schemaVersion"`
	View          string         `json:"view"`
	UserTree      []*treeNodeDoc `json:"userTree"`
	PIDTree       []*treeNodeDoc `json:"pidTree"`
}

// runLs runs `nsx --host-root ROOT ls ARGS...` and fails the test unless it
// exits 0.
func runLs(t *testing.T, root string, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, code := runNSX(t, append([]string{"--host-root", root, "ls"}, args...)...)
	if code != 0 {
		t.Fatalf("nsx ls %s: exit %d\nstderr:\n%s", strings.Join(args, " "), code, stderr)
	}
	return stdout, stderr
}

func decode[T any](t *testing.T, stdout string) T {
	t.Helper()
	var doc T
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decoding JSON: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("more than one JSON document:\n%s", stdout)
	}
	return doc
}

// tableRows splits a table into lines of whitespace-separated fields.
func tableRows(stdout string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(strings.TrimRight(stdout, "\n"), "\n") {
		rows = append(rows, strings.Fields(line))
	}
	return rows
}

func TestLsTable(t *testing.T) {
	type row struct{ Name, Runtime, ID, PID, Procs string }
	tests := []struct {
		scenario string
		want     []row
		// words the NAMESPACES or USERNS columns must show, per sandbox name
		wantWords map[string][]string
		noWords   map[string][]string
	}{{
		scenario: "v1-docker",
		want: []row{
			{"host", "-", "-", "1", "13"},
			{"systemd-udevd.service", "systemd", "-", "412", "1"},
			{"web", "docker", webShortID, "1310", "2"},
			{"db", "docker", dbShortID, "1420", "1"},
			{"web-debug", "docker", debugShortID, "1530", "1"},
			{"metrics", "docker", metricsShortID, "1620", "1"},
		},
		wantWords: map[string][]string{"web": {"pid+", "net"}, "web-debug": {"pid+"}, "metrics": {"pid"}},
		noWords:   map[string][]string{"metrics": {"net", "net+", "uts"}, "db": {"pid+"}},
	}, {
		scenario: "v2-k8s",
		want: []row{
			{"host", "-", "-", "1", "9"},
			{"api", "docker", "5e6f7a8b9c0d", "1900", "1"},
			{pauseID[:12], "containerd", pauseID[:12], "2100", "1"},
			{"c0ffee12d4e6", "containerd", "c0ffee12d4e6", "2160", "1"},
		},
		wantWords: map[string][]string{pauseID[:12]: {"net+", "user+", "mapped"}, "api": {"cgroup", "host"}},
		noWords:   map[string][]string{"api": {"mapped", "user"}},
	}}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			stdout, stderr := runLs(t, testutil.FixtureHost(t, tt.scenario))
			rows := tableRows(stdout)
			wantHeader := []string{"NAME", "RUNTIME", "ID", "PID", "PROCS", "NAMESPACES", "USERNS", "MEM", "CPU", "PIDS", "COMMAND"}
			if diff := cmp.Diff(wantHeader, rows[0]); diff != "" {
				t.Errorf("header (-want +have):\n%s", diff)
			}
			var have []row
			byName := map[string][]string{}
			for _, f := range rows[1:] {
				if len(f) < 7 {
					t.Fatalf("short row %q", f)
				}
				have = append(have, row{f[0], f[1], f[2], f[3], f[4]})
				byName[f[0]] = f[5:]
			}
			if diff := cmp.Diff(tt.want, have); diff != "" {
				t.Errorf("rows (-want +have):\n%s\n%s", diff, stdout)
			}
			for name, words := range tt.wantWords {
				for _, w := range words {
					if !slices.Contains(byName[name], w) {
						t.Errorf("row %s = %q, want it to show %q", name, byName[name], w)
					}
				}
			}
			for name, words := range tt.noWords {
				for _, w := range words {
					if slices.Contains(byName[name], w) {
						t.Errorf("row %s = %q, must not show %q", name, byName[name], w)
					}
				}
			}
			// The sandbox view does not ask for owners and parents, so the
			// one warning a fixture gives elsewhere (its ns links dangle)
			// does not arise.
			if stderr != "" {
				t.Errorf("stderr = %q, want nothing", stderr)
			}
		})
	}
}

func TestLsNoHeaders(t *testing.T) {
	root := testutil.FixtureHost(t, "v1-docker")
	for _, args := range [][]string{{"--no-headers"}, {"--no-headers", "--ns"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			withHeaders, _ := runLs(t, root, args[1:]...)
			without, _ := runLs(t, root, args...)
			first, rest, _ := strings.Cut(withHeaders, "\n")
			if !strings.HasPrefix(first, "N") { // NAME or NS
				t.Fatalf("first line with headers = %q, want a header", first)
			}
			if got := tableRows(without); len(got) != len(tableRows(rest)) {
				t.Errorf("--no-headers gave %d lines, want %d (all but the header)", len(got), len(tableRows(rest)))
			}
			if strings.Contains(without, first) {
				t.Errorf("--no-headers output still holds the header %q", first)
			}
		})
	}
}

func TestLsJSON(t *testing.T) {
	t.Run("v1-docker", func(t *testing.T) {
		root := testutil.FixtureHost(t, "v1-docker")
		stdout, _ := runLs(t, root, "-o", "json")
		doc := decode[sandboxesDoc](t, stdout)
		if doc.SchemaVersion != 1 || doc.View != "sandboxes" {
			t.Errorf("schemaVersion %d view %q, want 1 sandboxes", doc.SchemaVersion, doc.View)
		}
		if doc.Scan.HostRoot != root || doc.Scan.Processes != 19 || doc.Scan.Hidden != 0 {
			t.Errorf("scan = %+v, want hostRoot %s, 19 processes, none hidden", doc.Scan, root)
		}
		if len(doc.Warnings) != 0 {
			t.Errorf("warnings = %q, want none: the sandbox view asks for no owners or parents", doc.Warnings)
		}
		var names []string
		for _, sb := range doc.Sandboxes {
			names = append(names, sb.Name)
		}
		if diff := cmp.Diff([]string{"host", "systemd-udevd.service", "web", "db", "web-debug", "metrics"}, names); diff != "" {
			t.Fatalf("sandbox names (-want +have):\n%s", diff)
		}
		host, web, debug, metrics := doc.Sandboxes[0], doc.Sandboxes[2], doc.Sandboxes[4], doc.Sandboxes[5]
		if !host.Host || host.PID != 1 || host.Container != nil || host.UserNS != "host" {
			t.Errorf("host sandbox = %+v", host)
		}
		for typ, ns := range host.Namespaces {
			if ns.Scope != "host" {
				t.Errorf("host %s scope %q, want host", typ, ns.Scope)
			}
		}
		if diff := cmp.Diff([]int{1310, 1355}, web.PIDs); diff != "" || web.Procs != 2 {
			t.Errorf("web pids %v procs %d, want [1310 1355] 2", web.PIDs, web.Procs)
		}
		if web.Runtime != "docker" || !strings.HasPrefix(web.ID, webShortID) || len(web.ID) != 64 ||
			web.Container == nil || web.Container.Name != "web" {
			t.Errorf("web container: runtime %q id %q container %+v", web.Runtime, web.ID, web.Container)
		}
		if web.Command != "nginx: master process nginx -g daemon off;" || web.User != "root" {
			t.Errorf("web command %q user %q", web.Command, web.User)
		}
		scopes := []struct {
			sandbox    string
			typ        string
			scope      string
			sharedWith []string
		}{
			{"web", "pid", "shared", []string{"web-debug"}},
			{"web-debug", "pid", "shared", []string{"web"}},
			{"web", "net", "private", nil},
			{"web", "user", "host", nil},
			{"metrics", "net", "host", nil},
			{"metrics", "uts", "host", nil},
			{"metrics", "pid", "private", nil},
		}
		bySandbox := map[string]int{"web": 2, "web-debug": 4, "metrics": 5}
		for _, sc := range scopes {
			t.Run(sc.sandbox+"/"+sc.typ, func(t *testing.T) {
				ns := doc.Sandboxes[bySandbox[sc.sandbox]].Namespaces[sc.typ]
				if ns.Scope != sc.scope || !slices.Equal(ns.SharedWith, sc.sharedWith) || ns.Inode == 0 {
					t.Errorf("%s %s = %+v, want scope %s shared with %q", sc.sandbox, sc.typ, ns, sc.scope, sc.sharedWith)
				}
			})
		}
		if web.Namespaces["pid"].Inode != webPIDNS || debug.Namespaces["pid"].Inode != webPIDNS {
			t.Errorf("pid inodes web %d web-debug %d, want both %d", web.Namespaces["pid"].Inode, debug.Namespaces["pid"].Inode, webPIDNS)
		}
		if metrics.Namespaces["net"].Inode != host.Namespaces["net"].Inode {
			t.Errorf("metrics net %d, host net %d: want the same", metrics.Namespaces["net"].Inode, host.Namespaces["net"].Inode)
		}
	})
	t.Run("v2-k8s", func(t *testing.T) {
		stdout, _ := runLs(t, testutil.FixtureHost(t, "v2-k8s"), "-o", "json")
		doc := decode[sandboxesDoc](t, stdout)
		if len(doc.Sandboxes) != 4 {
			t.Fatalf("%d sandboxes, want 4 (host, api, pause, app)", len(doc.Sandboxes))
		}
		pause, app := doc.Sandboxes[2], doc.Sandboxes[3]
		for _, sb := range []struct {
			name string
			pid  int
		}{{"pause", 2100}, {"app", 2160}} {
			j := pause
			if sb.name == "app" {
				j = app
			}
			if j.PID != sb.pid || j.Runtime != "containerd" || j.Container == nil || j.Container.Pod == nil || j.Container.Pod.UID != podUID {
				t.Errorf("%s = pid %d runtime %q container %+v, want pid %d in pod %s", sb.name, j.PID, j.Runtime, j.Container, sb.pid, podUID)
			}
			if j.UserNS != "mapped" || j.Namespaces["user"].Scope != "shared" {
				t.Errorf("%s userns %q user scope %q, want mapped and shared", sb.name, j.UserNS, j.Namespaces["user"].Scope)
			}
		}
		for _, typ := range []string{"net", "ipc", "uts", "user"} {
			if pause.Namespaces[typ].Inode != app.Namespaces[typ].Inode {
				t.Errorf("%s: pause %d, app %d; a pod shares it", typ, pause.Namespaces[typ].Inode, app.Namespaces[typ].Inode)
			}
		}
		// Host uid 165535 has no name: the number is shown.
		if pause.User != "165535" {
			t.Errorf("pause user %q, want 165535", pause.User)
		}
	})
}

// wantNamespaces derives, from the fixture's links.txt, how many processes
// are in each namespace: "TYPE:INODE" -> nprocs.
func wantNamespaces(t *testing.T, scenario string) map[string]int {
	want := map[string]int{}
	for path, target := range testutil.FixtureLinks(t, scenario) {
		f := strings.Split(path, "/")
		if len(f) == 4 && f[0] == "proc" && f[2] == "ns" {
			ino := strings.TrimSuffix(strings.TrimPrefix(target, f[3]+":["), "]")
			want[f[3]+":"+ino]++
		}
	}
	return want
}

func TestLsNamespacesJSON(t *testing.T) {
	tests := []struct {
		scenario string
		extra    map[string]int // namespaces no process is in
		holders  map[string]holderDoc
	}{{
		scenario: "v1-docker",
		extra:    map[string]int{"net:" + strconv.Itoa(blueNetNS): 0, "net:" + strconv.Itoa(fdOnlyNetNS): 0},
		holders: map[string]holderDoc{
			"net:" + strconv.Itoa(blueNetNS):   {Kind: "bind-mount", Path: "/run/netns/blue"},
			"net:" + strconv.Itoa(fdOnlyNetNS): {Kind: "fd", PID: 910, FD: 5},
			"net:4026532605":                   {Kind: "bind-mount", Path: "/run/docker/netns/ebe2650a41c1"},
			"pid:" + strconv.Itoa(webPIDNS):    {Kind: "process", PID: 1310},
		},
	}, {
		scenario: "v2-k8s",
		holders: map[string]holderDoc{
			"net:4026532910": {Kind: "bind-mount", Path: "/run/netns/cni-2b3f4a5c-6d7e-8f90-a1b2-c3d4e5f6a7b8"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.scenario, func(t *testing.T) {
			stdout, _ := runLs(t, testutil.FixtureHost(t, tt.scenario), "--ns", "-o", "json")
			doc := decode[namespacesDoc](t, stdout)
			if doc.SchemaVersion != 1 || doc.View != "namespaces" {
				t.Errorf("schemaVersion %d view %q, want 1 namespaces", doc.SchemaVersion, doc.View)
			}
			want := wantNamespaces(t, tt.scenario)
			for k, v := range tt.extra {
				want[k] = v
			}
			have := map[string]int{}
			holders := map[string][]holderDoc{}
			for _, n := range doc.Namespaces {
				key := n.Type + ":" + strconv.FormatUint(n.Inode, 10)
				have[key] = n.NProcs
				holders[key] = n.HeldBy
				if len(n.HeldBy) == 0 {
					t.Errorf("%s has no holder", key)
				}
			}
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("namespaces and nprocs (-want +have):\n%s", diff)
			}
			for key, h := range tt.holders {
				if !slices.Contains(holders[key], h) {
					t.Errorf("%s held by %+v, want %+v among them", key, holders[key], h)
				}
			}
		})
	}
	t.Run("pod user namespace mapping", func(t *testing.T) {
		stdout, _ := runLs(t, testutil.FixtureHost(t, "v2-k8s"), "--ns", "--type", "user", "-o", "json")
		doc := decode[namespacesDoc](t, stdout)
		mappings := map[uint64]string{}
		for _, n := range doc.Namespaces {
			mappings[n.Inode] = n.Mapping
			if n.Inode == 4026532900 && (len(n.UIDMap) != 1 || n.UIDMap[0].Outside != 100000 || n.UIDMap[0].Count != 65536) {
				t.Errorf("pod uidMap = %+v, want 0 100000 65536", n.UIDMap)
			}
		}
		if diff := cmp.Diff(map[uint64]string{4026531837: "host", 4026532900: "mapped"}, mappings); diff != "" {
			t.Errorf("user namespace mappings (-want +have):\n%s", diff)
		}
	})
}

func TestLsNamespacesType(t *testing.T) {
	root := testutil.FixtureHost(t, "v1-docker")
	wantNet := 0
	for key := range wantNamespaces(t, "v1-docker") {
		if strings.HasPrefix(key, "net:") {
			wantNet++
		}
	}
	wantNet += 2 // blue (bind mount) and the fd-only one
	tests := []struct {
		name   string
		format string
	}{{"table", "table"}, {"json", "json"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _ := runLs(t, root, "--ns", "--type", "net", "-o", tt.format)
			var types []string
			if tt.format == "json" {
				for _, n := range decode[namespacesDoc](t, stdout).Namespaces {
					types = append(types, n.Type)
				}
			} else {
				for _, f := range tableRows(stdout)[1:] {
					types = append(types, f[1])
				}
			}
			if len(types) != wantNet {
				t.Errorf("%d namespaces, want %d net ones:\n%s", len(types), wantNet, stdout)
			}
			for _, typ := range types {
				if typ != "net" {
					t.Errorf("type %q listed with --type net", typ)
				}
			}
		})
	}
}

func findNode(nodes []*treeNodeDoc, inode uint64) *treeNodeDoc {
	for _, n := range nodes {
		if n.Inode == inode {
			return n
		}
		if c := findNode(n.Children, inode); c != nil {
			return c
		}
	}
	return nil
}

func TestLsTree(t *testing.T) {
	root := testutil.FixtureHost(t, "v1-docker")
	t.Run("json", func(t *testing.T) {
		stdout, _ := runLs(t, root, "--tree", "-o", "json")
		doc := decode[treeDoc](t, stdout)
		if doc.SchemaVersion != 1 || doc.View != "tree" {
			t.Errorf("schemaVersion %d view %q, want 1 tree", doc.SchemaVersion, doc.View)
		}
		web := findNode(doc.PIDTree, webPIDNS)
		if web == nil {
			t.Fatalf("web's pid namespace %d is not in the pid tree:\n%s", webPIDNS, stdout)
		}
		if len(web.Children) != 0 {
			t.Errorf("web's pid namespace parents %d namespaces, want none", len(web.Children))
		}
		var pids []int
		for _, sb := range web.Sandboxes {
			pids = append(pids, sb.PID)
		}
		// web (oldest 1310) and web-debug (1530), which shares its pid namespace.
		if diff := cmp.Diff([]int{1310, 1530}, pids); diff != "" {
			t.Errorf("sandboxes in web's pid namespace (-want +have):\n%s", diff)
		}
		if len(doc.UserTree) == 0 || findNode(doc.UserTree, 4026531837) == nil {
			t.Errorf("user tree lacks the host's user namespace:\n%s", stdout)
		}
	})
	t.Run("text", func(t *testing.T) {
		stdout, _ := runLs(t, root, "--tree")
		for _, heading := range []string{"USER NAMESPACES", "PID NAMESPACES"} {
			if !strings.Contains(stdout, heading) {
				t.Errorf("tree output lacks heading %q:\n%s", heading, stdout)
			}
		}
		if !strings.Contains(stdout, strconv.Itoa(webPIDNS)) {
			t.Errorf("tree output lacks web's pid namespace %d:\n%s", webPIDNS, stdout)
		}
	})
}

func TestLsTarget(t *testing.T) {
	root := testutil.FixtureHost(t, "v1-docker")
	tests := []struct {
		name string
		args []string
		want []string // sandbox names, in order
	}{
		{"by name", []string{"web"}, []string{"web"}},
		{"by pid of the second process", []string{"1355"}, []string{"web"}},
		{"by prefix", []string{"7c3a9e5"}, []string{"metrics"}},
		{"host pid", []string{"620"}, []string{"host"}},
		{"two targets", []string{"db", "web"}, []string{"web", "db"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _ := runLs(t, root, tt.args...)
			var names []string
			for _, f := range tableRows(stdout)[1:] {
				names = append(names, f[0])
			}
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Errorf("table rows (-want +have):\n%s", diff)
			}
			doc := decode[sandboxesDoc](t, func() string { s, _ := runLs(t, root, append(tt.args, "-o", "json")...); return s }())
			names = nil
			for _, sb := range doc.Sandboxes {
				names = append(names, sb.Name)
			}
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Errorf("JSON sandboxes (-want +have):\n%s", diff)
			}
		})
	}
	t.Run("namespaces of web", func(t *testing.T) {
		stdout, _ := runLs(t, root, "--ns", "web", "-o", "json")
		doc := decode[namespacesDoc](t, stdout)
		// web's 8 namespaces: its own ipc mnt net pid uts, the host's cgroup time user.
		if len(doc.Namespaces) != 8 {
			t.Errorf("%d namespaces for web, want 8:\n%s", len(doc.Namespaces), stdout)
		}
	})
}
