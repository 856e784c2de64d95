package runtimes

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Fuzz targets for the runtimes' pure parsers, one per family, seeded with
// the real samples of the table tests. Beyond not panicking, each checks
// what its parser promises its callers.

func FuzzParseOCISpec(f *testing.F) {
	for _, s := range []string{ctrSandboxSpec, ctrAppSpec, podmanSpec, crioAppSpec, crioSandboxSpec,
		`{"annotations":null}`, `{"annotations":{"io.kubernetes.container.name":"POD","io.kubernetes.pod.uid":"u"}}`, `null`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		spec, err := parseOCISpec(b)
		if err != nil {
			return
		}
		if spec == nil {
			t.Fatal("parseOCISpec returned nil without an error")
		}
		id, ok := kubeIdentityOf(spec.Annotations)
		if !ok {
			if id.pod != nil || id.sandbox || id.name != "" || id.image != "" {
				t.Fatalf("no identity, but %+v", id)
			}
			return
		}
		if id.pod == nil || id.pod.Name == "" && id.pod.UID == "" {
			t.Fatalf("identity %+v names no pod", id)
		}
		if id.sandbox && id.name != "" {
			t.Fatalf("sandbox with a container name %q", id.name)
		}
		if id.name == "POD" {
			t.Fatalf("dockershim's sandbox name POD taken as a container's")
		}
		// Applied to a container the kubelet's cgroup path made.
		c := &Container{Runtime: CRI, ID: idA, Pod: &Pod{UID: podUID}}
		id.apply(c)
		if c.Pod == nil || c.Pod.UID == "" {
			t.Fatalf("apply lost the pod UID: %+v", c.Pod)
		}
		if c.PodSandbox != id.sandbox {
			t.Fatalf("PodSandbox = %v, identity says %v", c.PodSandbox, id.sandbox)
		}
		dn := c.DisplayName()
		if dn == "" {
			t.Fatalf("empty DisplayName for %+v", c)
		}
		if c.Pod.Name != "" && !strings.HasPrefix(dn, c.Pod.String()) {
			t.Fatalf("DisplayName %q does not start with the pod %q", dn, c.Pod.String())
		}
	})
}

func FuzzParseCRIStatus(f *testing.F) {
	for _, s := range []string{criStatusRunning, criStatusExited, criStatusOOM, criStatusCreated, criStatusStartError,
		`{"Version":"v1","StartedAt":-5,"FinishedAt":-1}`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		state, run, err := parseCRIStatus(b)
		if err != nil {
			return
		}
		if run == nil {
			// Only a container that never started has no last run.
			if state != "created" {
				t.Fatalf("state %q without a last run", state)
			}
			return
		}
		switch state {
		case "exited":
			if run.ExitCode == nil || run.FinishedAt == nil {
				t.Fatalf("exited without an exit code or finish time: %+v", run)
			}
		case "running":
			if run.StartedAt == nil {
				t.Fatalf("running without a start time: %+v", run)
			}
			fallthrough
		case "created":
			if run.ExitCode != nil || run.FinishedAt != nil || run.OOMKilled {
				t.Fatalf("%s with an exit: %+v", state, run)
			}
		default:
			t.Fatalf("state %q", state)
		}
		if run.StartedAt != nil && run.StartedAt.UnixNano() <= 0 || run.FinishedAt != nil && run.FinishedAt.UnixNano() <= 0 {
			t.Fatalf("a time at or before the epoch: %+v", run)
		}
	})
}

func FuzzParseStorageContainers(f *testing.F) {
	for _, s := range []string{"[" + podmanStorageEntry + "]", "[" + crioAppStorageEntry + "," + crioSandboxStorageEntry + "]",
		"[" + podmanRootlessStorageEntry + ",null]", `[{"id":"` + idA + `","metadata":"not json"}]`, `[{"id":"nsxpt-pm"}]`, `[]`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := parseStorageContainers(b)
		if err != nil {
			return
		}
		for id, e := range entries {
			if e == nil {
				t.Fatalf("nil entry for %q", id)
			}
			if e.ID != id || !IsHexID(id) {
				t.Fatalf("entry %q under key %q: IDs must be hex and the key", e.ID, id)
			}
		}
	})
}

func FuzzParseCRIOState(f *testing.F) {
	for _, s := range []string{crioStateRunning, crioStateOOM, crioStateStoppedNoCode, crioStateCreated, crioStateStartFailed, `{"status":""}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := parseCRIOState(b)
		if err != nil {
			return
		}
		if st == nil || st.Status == "" {
			t.Fatalf("state without a status: %+v", st)
		}
	})
}

// FuzzParseOCIState covers runc's state.json and crun's status.
func FuzzParseOCIState(f *testing.F) {
	for _, s := range []string{runcStateDocker, runcStateCtrSandbox, runcStatePodman, runcStatePodmanRootless, crunStatusReal,
		`{"id":"x","init_process_pid":1,"config":{"labels":["bundle="]}}`, `{"id":"x","init_process_pid":0}`, `{"pid":0}`} {
		f.Add("nsxpt-crun", []byte(s))
	}
	f.Fuzz(func(t *testing.T, dirName string, b []byte) {
		if st, err := parseRuncState(b); err == nil {
			if st == nil || st.ID == "" || st.InitPID <= 0 {
				t.Fatalf("runc state %+v: an ID and a positive PID are promised", st)
			}
		}
		if st, err := parseCrunStatus(dirName, b); err == nil {
			if st == nil || st.ID != dirName || st.InitPID <= 0 {
				t.Fatalf("crun status %+v (dir %q): the dir's ID and a positive PID are promised", st, dirName)
			}
		}
	})
}

// FuzzParseDocker covers config.v2.json, hostconfig.json and the Engine
// API's container list.
func FuzzParseDocker(f *testing.F) {
	for _, s := range []string{dockerConfigRunning, dockerConfigCreated, dockerConfigFailedStart, dockerConfigPaused, dockerConfigExited,
		criDockerdSandboxConfig, criDockerdAppConfig, dockerHCConfig, dockerHostConfigLoose, dockerHostConfigDefault, dockerAPIList,
		`{"ID": "` + idA + `", "State": {"Running": false, "Pid": 4242, "ExitCode": 1, "StartedAt": "2026-11-29T02:02:40Z"}}`,
		`[{"Id":"` + dockerHCID[:12] + `"},{"Id":"` + idA + `","Labels":{"io.kubernetes.docker.type":"podsandbox","io.kubernetes.pod.name":"p"}}]`} {
		f.Add([]byte(s))
	}
	states := map[string]bool{"running": true, "paused": true, "restarting": true, "dead": true, "created": true, "exited": true}
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseDockerConfig(b); err == nil {
			if c.Runtime != Docker || !IsHexID(c.ID) || len(c.ID) != 64 {
				t.Fatalf("container %q of runtime %q: a 64-hex Docker ID is promised", c.ID, c.Runtime)
			}
			if !states[c.State] {
				t.Fatalf("state %q", c.State)
			}
			if c.InitPID != 0 && c.State != "running" && c.State != "paused" && c.State != "restarting" {
				t.Fatalf("init PID %d of a %s container", c.InitPID, c.State)
			}
			if c.LastRun != nil && c.LastRun.ExitCode != nil && (c.State == "running" || c.State == "paused") {
				t.Fatalf("exit code of a %s container", c.State)
			}
			if c.PodSandbox && c.Pod == nil {
				t.Fatal("sandbox without a pod")
			}
		}
		if s, err := ParseDockerHostConfig(b); err == nil && s.RestartPolicy == "no" {
			t.Fatal(`restart policy "no" kept`)
		}
		if list, err := parseDockerAPIList(b); err == nil {
			for id, c := range list {
				if c.ID != id || !IsHexID(id) || len(id) != 64 || c.Runtime != Docker {
					t.Fatalf("API container %q (%s) under %q", c.ID, c.Runtime, id)
				}
				if c.PodSandbox && c.Pod == nil {
					t.Fatal("sandbox without a pod")
				}
			}
		}
	})
}

func FuzzParsePasswd(f *testing.F) {
	f.Add([]byte(passwdReal))
	f.Add([]byte("root:x:0:0:root:/root:/bin/bash\r\n#x:x:1:1::/:/\n+::::::\nneg:x:-1:1::/h:/s\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries := ParsePasswd(b)
		if len(entries) > strings.Count(string(b), "\n")+1 {
			t.Fatalf("%d entries from %d lines", len(entries), strings.Count(string(b), "\n")+1)
		}
		for _, e := range entries {
			if e.Name == "" || strings.ContainsAny(e.Name, ":\n") || strings.HasPrefix(e.Name, "#") {
				t.Fatalf("bad name %q", e.Name)
			}
			if e.UID < 0 {
				t.Fatalf("negative uid %d for %q", e.UID, e.Name)
			}
			if strings.ContainsAny(e.Home, ":\n") {
				t.Fatalf("home %q spans fields", e.Home)
			}
		}
	})
}

// FuzzParseSmallFiles covers the one-value files and names: exit and pid
// files, the kubelet's pod log directories, systemd units in cgroup paths.
func FuzzParseSmallFiles(f *testing.F) {
	for _, s := range []string{"137", "3", "-1", "23866", "1\n", "256", "0", "", "shop_web-7f9c_" + ctrPodUID, "shop_web_" + ctrPodUID + "_0",
		"/system.slice/nginx.service", `/system.slice/foo\x2dbar.service/sub`, "/user.slice/user-1000.slice/user@1000.service"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, exitOK := parseExitFile([]byte(s))
		if exitOK && (code < -1 || code > 255) {
			t.Fatalf("parseExitFile(%q) = %d: exit codes are -1..255", s, code)
		}
		pid, pidOK := parsePIDFile([]byte(s))
		if pidOK && pid <= 0 {
			t.Fatalf("parsePIDFile(%q) = %d: PIDs are positive", s, pid)
		}
		if pidOK && pid <= 255 && !exitOK {
			t.Fatalf("%q is PID %d but no exit code", s, pid)
		}

		if p, ok := parsePodLogDir(s); ok {
			if p.Namespace+"_"+p.Name+"_"+p.UID != s || p.Namespace == "" || p.Name == "" || len(p.UID) < 32 {
				t.Fatalf("parsePodLogDir(%q) = %+v", s, p)
			}
		} else if p != nil {
			t.Fatalf("parsePodLogDir(%q) = %+v, not ok", s, p)
		}

		if c := ServiceFromCgroupPath(s); c != nil {
			if c.Runtime != Systemd || c.ID != c.Name || c.Cgroup != s {
				t.Fatalf("ServiceFromCgroupPath(%q) = %+v", s, c)
			}
			if !strings.HasSuffix(c.ID, ".service") || strings.HasPrefix(c.ID, "user@") || c.ID == ".service" {
				t.Fatalf("ServiceFromCgroupPath(%q) names unit %q", s, c.ID)
			}
			if utf8.ValidString(s) && !strings.Contains(s, `\x`) && !strings.Contains(s, c.ID) {
				t.Fatalf("ServiceFromCgroupPath(%q) = %q, not in the path", s, c.ID)
			}
		}
	})
}
