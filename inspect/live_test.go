//go:build linux

package inspect_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"nsx/inspect"
)

// TestLiveUnshareSandbox makes namespace sets with unshare(1) and checks
// that the sleep's sandbox has exactly the requested types apart from the
// host's, each with the kernel's inode.
func TestLiveUnshareSandbox(t *testing.T) {
	requireLive(t)
	N := inspect.AllNSTypes
	tests := []struct {
		name  string
		flags []string
		want  []inspect.NSType
	}{
		{
			name:  "pid mnt net uts ipc",
			flags: []string{"--fork", "--pid", "--mount-proc", "--net", "--uts", "--ipc"},
			want:  []inspect.NSType{inspect.PIDNS, inspect.MntNS, inspect.NetNS, inspect.UTSNS, inspect.IPCNS},
		},
		{
			name:  "with user mapped to root",
			flags: []string{"--user", "--map-root-user", "--fork", "--pid", "--mount-proc", "--net", "--uts", "--ipc"},
			want:  []inspect.NSType{inspect.UserNS, inspect.PIDNS, inspect.MntNS, inspect.NetNS, inspect.UTSNS, inspect.IPCNS},
		},
		{
			name:  "cgroup and time",
			flags: []string{"--fork", "--cgroup", "--time"},
			want:  []inspect.NSType{inspect.CgroupNS, inspect.TimeNS},
		},
		{
			name:  "all eight",
			flags: []string{"--user", "--map-root-user", "--fork", "--pid", "--mount-proc", "--net", "--uts", "--ipc", "--cgroup", "--time"},
			want:  N[:],
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := liveStart(t, exec.Command("unshare", append(tc.flags, "sleep", "300")...))
			pid := waitDescendant(t, parent.Process.Pid, "sleep")
			snap := liveScan(t, inspect.ScanOptions{})
			sb, all := sandboxOf(t, snap, pid)
			if sb.IsHost {
				t.Fatalf("sandbox of %d is the host's", pid)
			}
			if !slices.Equal(sb.PIDs, []int{pid}) {
				t.Errorf("sandbox PIDs = %v, want only the sleep %d", sb.PIDs, pid)
			}
			// unshare itself enters every new namespace but pid and time
			// (those apply to its children only), so the sleep may share
			// the others with unshare's own sandbox and with nothing else.
			parentIdx := slices.IndexFunc(all, func(o *inspect.Sandbox) bool { return slices.Contains(o.PIDs, parent.Process.Pid) })
			if parentIdx < 0 {
				t.Fatalf("unshare %d is in no sandbox", parent.Process.Pid)
			}
			for _, typ := range N {
				if got, want := sb.NS[typ], nsInode(t, pid, typ); got != want {
					t.Errorf("%s: inode %d, kernel says %d", typ, got, want)
				}
				private := slices.Contains(tc.want, typ)
				switch {
				case !private:
					if sb.Scope[typ] != inspect.ScopeHost {
						t.Errorf("%s: scope %s, want host", typ, sb.Scope[typ])
					}
				case private && sb.Scope[typ] == inspect.ScopePrivate:
				case private && sb.Scope[typ] == inspect.ScopeShared && typ != inspect.PIDNS && typ != inspect.TimeNS:
					if !slices.Equal(sb.SharedWith[typ], []int{parentIdx}) {
						t.Errorf("%s: shared with sandboxes %v, want only unshare's (%d)", typ, sb.SharedWith[typ], parentIdx)
					}
				default:
					t.Errorf("%s: scope %s, want private", typ, sb.Scope[typ])
				}
			}
		})
	}
}

// TestLiveCloneFlags starts a child with clone flags from Go; nothing else
// is in its new namespaces, so they are private.
func TestLiveCloneFlags(t *testing.T) {
	requireLive(t)
	c := exec.Command("sleep", "300")
	c.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWUTS | unix.CLONE_NEWNET | unix.CLONE_NEWIPC}
	pid := liveStart(t, c).Process.Pid
	snap := liveScan(t, inspect.ScanOptions{})
	sb, _ := sandboxOf(t, snap, pid)
	want := map[inspect.NSType]inspect.Scope{}
	for _, typ := range inspect.AllNSTypes {
		want[typ] = inspect.ScopeHost
	}
	want[inspect.UTSNS], want[inspect.NetNS], want[inspect.IPCNS] = inspect.ScopePrivate, inspect.ScopePrivate, inspect.ScopePrivate
	got := map[inspect.NSType]inspect.Scope{}
	for _, typ := range inspect.AllNSTypes {
		got[typ] = sb.Scope[typ]
		if sb.NS[typ] != nsInode(t, pid, typ) {
			t.Errorf("%s: inode %d, kernel says %d", typ, sb.NS[typ], nsInode(t, pid, typ))
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("scopes (-want +got):\n%s", d)
	}
}

// TestLiveUserNSHierarchy checks owner and parent links of nested user
// namespaces, ID maps of rootful and rootless ones, and a middle user
// namespace that only its child keeps alive.
func TestLiveUserNSHierarchy(t *testing.T) {
	requireLive(t)

	t.Run("nested by root", func(t *testing.T) {
		outer := liveStart(t, exec.Command("unshare", "--user", "--map-root-user", "--fork",
			"sh", "-c", "unshare --user --map-root-user --uts --net --fork sleep 300"))
		pid := waitDescendant(t, outer.Process.Pid, "sleep")
		outerNS := nsInode(t, outer.Process.Pid, inspect.UserNS)
		innerNS := nsInode(t, pid, inspect.UserNS)
		snap := liveScan(t, inspect.ScanOptions{})
		if snap.HostNS[inspect.UserNS] != selfNS(t, inspect.UserNS) {
			t.Fatalf("host user ns %d, but the test runs in %d", snap.HostNS[inspect.UserNS], selfNS(t, inspect.UserNS))
		}
		inner, mid := snap.Namespace(inspect.UserNS, innerNS), snap.Namespace(inspect.UserNS, outerNS)
		if inner == nil || mid == nil {
			t.Fatalf("user namespaces missing: inner %v, outer %v", inner, mid)
		}
		if inner.Parent != outerNS || inner.Owner != outerNS {
			t.Errorf("inner parent %d owner %d, want the outer %d", inner.Parent, inner.Owner, outerNS)
		}
		if mid.Parent != snap.HostNS[inspect.UserNS] {
			t.Errorf("outer parent %d, want the host's %d", mid.Parent, snap.HostNS[inspect.UserNS])
		}
		for _, typ := range []inspect.NSType{inspect.UTSNS, inspect.NetNS} {
			if n := snap.Namespace(typ, nsInode(t, pid, typ)); n == nil || n.Owner != innerNS {
				t.Errorf("%s of the sleep: %+v, want owner %d (the inner user ns)", typ, n, innerNS)
			}
		}
		// The sleep's ipc namespace is the host's, owned by the host user ns.
		if n := snap.Namespace(inspect.IPCNS, nsInode(t, pid, inspect.IPCNS)); n == nil || n.Owner != snap.HostNS[inspect.UserNS] {
			t.Errorf("ipc of the sleep: %+v, want owner the host user ns", n)
		}
		// Root made both, so root inside is root outside, all the way down.
		for _, ino := range []uint64{innerNS, outerNS} {
			if m := snap.UserMapping(ino); m != inspect.MappingRoot {
				t.Errorf("user ns %d: mapping %s, want %s", ino, m, inspect.MappingRoot)
			}
			if n := snap.Namespace(inspect.UserNS, ino); n.OwnerUID == nil || *n.OwnerUID != 0 {
				t.Errorf("user ns %d: owner uid %v, want 0", ino, n.OwnerUID)
			}
		}
	})

	t.Run("rootless", func(t *testing.T) {
		c := liveStart(t, asNobody(exec.Command("unshare", "--user", "--map-root-user", "sleep", "300")))
		pid := c.Process.Pid
		waitComm(t, pid, "sleep")
		snap := liveScan(t, inspect.ScanOptions{})
		ino := nsInode(t, pid, inspect.UserNS)
		n := snap.Namespace(inspect.UserNS, ino)
		if n == nil {
			t.Fatalf("user ns %d of the rootless sleep not found", ino)
		}
		if m := snap.UserMapping(ino); m != inspect.MappingMapped {
			t.Errorf("mapping %s, want %s", m, inspect.MappingMapped)
		}
		if outside, ok := inspect.MapID(n.UIDMap, 0); !ok || outside != nobodyUID {
			t.Errorf("uid 0 inside maps to %d (%v), want %d; map %+v", outside, ok, nobodyUID, n.UIDMap)
		}
		if n.OwnerUID == nil || *n.OwnerUID != nobodyUID {
			t.Errorf("owner uid %v, want %d", n.OwnerUID, nobodyUID)
		}
		if n.Parent != snap.HostNS[inspect.UserNS] {
			t.Errorf("parent %d, want the host's %d", n.Parent, snap.HostNS[inspect.UserNS])
		}
	})

	t.Run("middle held only as parent", func(t *testing.T) {
		outer := liveStart(t, exec.Command("unshare", "-U", "-r", "--fork",
			"sh", "-c", "unshare -U -r --fork sleep 300 & wait"))
		pid := waitDescendant(t, outer.Process.Pid, "sleep")
		shells := children(outer.Process.Pid)
		if len(shells) != 1 {
			t.Fatalf("outer unshare has children %v, want one sh", shells)
		}
		midNS := nsInode(t, outer.Process.Pid, inspect.UserNS)
		innerNS := nsInode(t, pid, inspect.UserNS)
		// Kill the only two processes in the middle user namespace; the
		// inner unshare and its sleep, orphaned, live on in theirs.
		if err := unix.Kill(shells[0], unix.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = outer.Process.Kill()
		_ = outer.Wait()
		waitGone(t, shells[0])
		if comm(pid) != "sleep" {
			t.Fatalf("the inner sleep %d died with its parents", pid)
		}
		snap := liveScan(t, inspect.ScanOptions{})
		mid, inner := snap.Namespace(inspect.UserNS, midNS), snap.Namespace(inspect.UserNS, innerNS)
		if mid == nil || inner == nil {
			t.Fatalf("user namespaces missing: middle %v, inner %v", mid, inner)
		}
		if len(mid.PIDs) != 0 {
			t.Errorf("middle user ns has processes %v, want none", mid.PIDs)
		}
		if d := cmp.Diff([]inspect.Holder{{Kind: inspect.HeldByChild}}, mid.HeldBy); d != "" {
			t.Errorf("middle user ns held by (-want +got):\n%s", d)
		}
		if inner.Parent != midNS {
			t.Errorf("inner parent %d, want the middle %d", inner.Parent, midNS)
		}
		if mid.Parent != snap.HostNS[inspect.UserNS] {
			t.Errorf("middle parent %d, want the host's %d", mid.Parent, snap.HostNS[inspect.UserNS])
		}
	})
}

// TestLivePIDNSHierarchy nests pid namespaces two deep.
func TestLivePIDNSHierarchy(t *testing.T) {
	requireLive(t)
	outer := liveStart(t, exec.Command("unshare", "--pid", "--fork",
		"sh", "-c", "unshare --pid --fork sleep 300"))
	pid := waitDescendant(t, outer.Process.Pid, "sleep")
	shells := children(outer.Process.Pid)
	if len(shells) != 1 {
		t.Fatalf("outer unshare has children %v, want one sh", shells)
	}
	midNS, innerNS := nsInode(t, shells[0], inspect.PIDNS), nsInode(t, pid, inspect.PIDNS)
	snap := liveScan(t, inspect.ScanOptions{})
	host := snap.HostNS[inspect.PIDNS]
	if host != selfNS(t, inspect.PIDNS) {
		t.Fatalf("host pid ns %d, but the test runs in %d", host, selfNS(t, inspect.PIDNS))
	}
	wantParent := map[uint64]uint64{innerNS: midNS, midNS: host, host: 0}
	gotParent := map[uint64]uint64{}
	for ino := range wantParent {
		n := snap.Namespace(inspect.PIDNS, ino)
		if n == nil {
			t.Fatalf("pid ns %d not found", ino)
		}
		gotParent[ino] = n.Parent
	}
	if d := cmp.Diff(wantParent, gotParent); d != "" {
		t.Errorf("pid ns parents (-want +got):\n%s", d)
	}
}

// TestLiveBindMountHolders checks namespaces that only a bind mount keeps:
// one from `ip netns add` in the host's mount namespace, one pinned inside
// a private mount namespace where only that namespace's mount table shows it.
func TestLiveBindMountHolders(t *testing.T) {
	requireLive(t)

	t.Run("ip netns", func(t *testing.T) {
		requireLive(t, "ip")
		suffix := make([]byte, 4)
		_, _ = rand.Read(suffix)
		name := "nsxlive-" + hex.EncodeToString(suffix)
		if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
			t.Fatalf("ip netns add %s: %v: %s", name, err, out)
		}
		t.Cleanup(func() {
			if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
				t.Errorf("ip netns del %s: %v: %s", name, err, out)
			}
		})
		path := filepath.Join("/run/netns", name)
		ino := pathInode(t, path)
		snap := liveScan(t, inspect.ScanOptions{})
		n := snap.Namespace(inspect.NetNS, ino)
		if n == nil {
			t.Fatalf("net ns %d of %s not found", ino, path)
		}
		if len(n.PIDs) != 0 {
			t.Errorf("processes %v in a fresh netns, want none", n.PIDs)
		}
		want := inspect.Holder{Kind: inspect.HeldByBindMount, Path: path, MntNS: selfNS(t, inspect.MntNS)}
		if !slices.Contains(n.HeldBy, want) {
			t.Errorf("held by %+v, want it to include %+v", n.HeldBy, want)
		}
		for _, h := range n.HeldBy {
			if h.Kind != inspect.HeldByBindMount {
				t.Errorf("holder %+v: only bind mounts hold it", h)
			}
		}
		tgt, err := snap.Resolve("netns:" + name)
		if err != nil {
			t.Fatalf("Resolve(netns:%s): %v", name, err)
		}
		if tgt.Kind != inspect.TargetNamespace || tgt.NS != n.ID() {
			t.Errorf("Resolve(netns:%s) = %+v, want namespace %s", name, tgt, n.ID())
		}
	})

	t.Run("in a private mount namespace", func(t *testing.T) {
		// The mount point must exist before the bind mount; the file itself
		// stays an ordinary file on the host, where the mount is invisible.
		mountPoint := filepath.Join(t.TempDir(), "uts")
		if err := os.WriteFile(mountPoint, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		// The inner unshare makes a uts namespace, pins it with its
		// mount and exits; the sleep stays in the private mount namespace
		// (and the host's uts) so that only the mount holds the new uts.
		c := liveStart(t, exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c",
			`unshare --uts mount --bind /proc/self/ns/uts "$1" && exec sleep 300`, "sh", mountPoint))
		pid := c.Process.Pid
		waitComm(t, pid, "sleep")
		mntNS := nsInode(t, pid, inspect.MntNS)
		utsNS := pathInode(t, filepath.Join("/proc", strconv.Itoa(pid), "root", mountPoint))
		if utsNS == nsInode(t, pid, inspect.UTSNS) {
			t.Fatalf("the bind mount pins the sleep's own uts ns %d", utsNS)
		}
		snap := liveScan(t, inspect.ScanOptions{})
		n := snap.Namespace(inspect.UTSNS, utsNS)
		if n == nil {
			t.Fatalf("uts ns %d pinned at %s in mnt ns %d not found", utsNS, mountPoint, mntNS)
		}
		if len(n.PIDs) != 0 {
			t.Errorf("processes %v, want none", n.PIDs)
		}
		want := []inspect.Holder{{Kind: inspect.HeldByBindMount, Path: mountPoint, MntNS: mntNS}}
		if d := cmp.Diff(want, n.HeldBy); d != "" {
			t.Errorf("held by (-want +got):\n%s", d)
		}
	})
}

// TestLiveFDHolder keeps a net namespace alive through an open fd in a
// helper process only.
func TestLiveFDHolder(t *testing.T) {
	requireLive(t)
	member := liveStart(t, exec.Command("unshare", "--net", "sleep", "300"))
	waitComm(t, member.Process.Pid, "sleep")
	netNS := nsInode(t, member.Process.Pid, inspect.NetNS)
	if netNS == selfNS(t, inspect.NetNS) {
		t.Fatal("unshare --net left the sleep in the host's net ns")
	}
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(member.Process.Pid), "ns", "net"))
	if err != nil {
		t.Fatal(err)
	}
	holder := exec.Command("sleep", "300")
	holder.ExtraFiles = []*os.File{f} // fd 3 in the holder
	liveStart(t, holder)
	// Only the holder may keep the namespace: drop the test's own fd and
	// the only process in it.
	f.Close()
	_ = member.Process.Kill()
	_ = member.Wait()

	snap := liveScan(t, inspect.ScanOptions{})
	n := snap.Namespace(inspect.NetNS, netNS)
	if n == nil {
		t.Fatalf("net ns %d held by fd 3 of %d not found", netNS, holder.Process.Pid)
	}
	if len(n.PIDs) != 0 {
		t.Errorf("processes %v, want none", n.PIDs)
	}
	want := []inspect.Holder{{Kind: inspect.HeldByFD, PID: holder.Process.Pid, FD: 3}}
	if d := cmp.Diff(want, n.HeldBy); d != "" {
		t.Errorf("held by (-want +got):\n%s", d)
	}
	if n.Rep != holder.Process.Pid {
		t.Errorf("representative %d, want the holder %d", n.Rep, holder.Process.Pid)
	}
}

// TestLiveThreadNamespace puts one thread of the test process in its own
// uts namespace: only a scan of tasks finds it.
func TestLiveThreadNamespace(t *testing.T) {
	requireLive(t)
	tid, err := unshareUTSThread(t)
	if err != nil {
		t.Fatalf("unshare(CLONE_NEWUTS) in a thread: %v", err)
	}
	pid := os.Getpid()
	utsNS := pathInode(t, filepath.Join("/proc", strconv.Itoa(pid), "task", strconv.Itoa(tid), "ns", "uts"))
	if utsNS == selfNS(t, inspect.UTSNS) {
		t.Fatal("the thread's uts ns is the process's")
	}

	t.Run("with tasks", func(t *testing.T) {
		snap := liveScan(t, inspect.ScanOptions{Tasks: true})
		p := snap.Processes[pid]
		if p == nil {
			t.Fatalf("test process %d not scanned", pid)
		}
		i := slices.IndexFunc(p.Tasks, func(task inspect.Task) bool { return task.TID == tid })
		if i < 0 {
			t.Fatalf("thread %d not among the tasks %+v", tid, p.Tasks)
		}
		if got := p.Tasks[i].NS[inspect.UTSNS]; got != utsNS {
			t.Errorf("thread uts ns %d, kernel says %d", got, utsNS)
		}
		if p.NS[inspect.UTSNS] == utsNS {
			t.Errorf("the process's own uts ns is the thread's")
		}
		n := snap.Namespace(inspect.UTSNS, utsNS)
		if n == nil {
			t.Fatalf("uts ns %d of thread %d not found", utsNS, tid)
		}
		if d := cmp.Diff([]int{tid}, n.TIDs); d != "" {
			t.Errorf("TIDs (-want +got):\n%s", d)
		}
		if len(n.PIDs) != 0 {
			t.Errorf("processes %v, want none", n.PIDs)
		}
		if d := cmp.Diff([]inspect.Holder{{Kind: inspect.HeldByTask, TID: tid}}, n.HeldBy); d != "" {
			t.Errorf("held by (-want +got):\n%s", d)
		}
	})

	t.Run("without tasks", func(t *testing.T) {
		snap := liveScan(t, inspect.ScanOptions{})
		if n := snap.Namespace(inspect.UTSNS, utsNS); n != nil {
			t.Errorf("thread's uts ns found without --tasks: %+v", n)
		}
	})
}

// unshareUTSThread moves one OS thread of the test process, not its main
// thread, into a new uts namespace and keeps it there until the test ends;
// it returns the thread's ID. The main thread is skipped: its namespaces
// are the process's (/proc/PID/ns), and the runtime never discards it.
func unshareUTSThread(t *testing.T) (tid int, err error) {
	t.Helper()
	type thread struct {
		tid int
		err error
	}
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	for range 100 {
		got := make(chan thread)
		go func() {
			runtime.LockOSThread()
			if tid := unix.Gettid(); tid == os.Getpid() {
				// Hold the main thread until the end so that the next
				// goroutine lands elsewhere, then give it back unchanged.
				got <- thread{tid: tid}
				<-done
				runtime.UnlockOSThread()
				return
			}
			// Never unlocked: the runtime discards this thread, and its
			// uts namespace, when the goroutine returns.
			err := unix.Unshare(unix.CLONE_NEWUTS)
			got <- thread{tid: unix.Gettid(), err: err}
			<-done
		}()
		th := <-got
		if th.tid != os.Getpid() {
			return th.tid, th.err
		}
	}
	return 0, errors.New("every goroutine ran on the main thread")
}
