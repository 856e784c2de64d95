package testutil

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// FixtureHost copies testdata/hosts/<scenario> into a fresh temporary
// directory and creates the symlinks and empty directories listed in its
// links.txt, then returns the copy's root, ready for inspect.NewHost.
//
// The links are not committed because Go module zips (and git, for empty
// directories) drop them; /proc's ns and fd entries are symlinks whose
// target text ("net:[4026531840]") is all nsx reads. In a fixture they
// dangle, so nothing that needs a real namespace (NS_GET_* ioctls, setns)
// can run against one.
//
// links.txt holds one entry per line, paths relative to the scenario:
//
//	proc/1/ns/net net:[4026531840]   a symlink PATH -> TARGET
//	proc/2/fd/                       an empty directory
//
// Blank lines and lines starting with '#' are ignored.
func FixtureHost(t testing.TB, scenario string) string {
	t.Helper()
	src := filepath.Join(ModuleRoot(t), "testdata", "hosts", scenario)
	if fi, err := os.Stat(src); err != nil || !fi.IsDir() {
		t.Fatalf("fixture host %q: %s is not a directory (%v)", scenario, src, err)
	}
	dst := t.TempDir()
	if err := copyTree(src, dst); err != nil {
		t.Fatalf("fixture host %q: copying: %v", scenario, err)
	}
	if err := makeLinks(filepath.Join(src, "links.txt"), dst); err != nil {
		t.Fatalf("fixture host %q: %v", scenario, err)
	}
	// The table is the fixture's recipe, not part of the host it describes.
	if err := os.Remove(filepath.Join(dst, "links.txt")); err != nil && !os.IsNotExist(err) {
		t.Fatalf("fixture host %q: %v", scenario, err)
	}
	return dst
}

// ModuleRoot finds the directory holding nsx's go.mod: first from this
// source file's own path (right from any package's test binary), then, for
// a build with -trimpath, by walking up from the working directory, which
// `go test` sets to the package directory.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		root := filepath.Join(filepath.Dir(file), "..", "..")
		if isModuleRoot(root) {
			return filepath.Clean(root)
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("finding the module root: %v", err)
	}
	for {
		if isModuleRoot(dir) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("finding the module root: no go.mod of module nsx above the working directory")
		}
		dir = parent
	}
}

func isModuleRoot(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(first) == "module nsx"
}

// copyTree copies regular files and directories, keeping their modes.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		case info.Mode().IsRegular():
			return copyFile(path, target, info.Mode().Perm())
		}
		return fmt.Errorf("%s: only regular files belong in a fixture (symlinks go in links.txt)", path)
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// makeLinks creates the entries of a links.txt table under root.
func makeLinks(table, root string) error {
	f, err := os.Open(table)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		rel := fields[0]
		if !filepath.IsLocal(strings.TrimSuffix(rel, "/")) {
			return fmt.Errorf("%s:%d: %q is not a relative path inside the fixture", table, lineNo, rel)
		}
		path := filepath.Join(root, rel)
		switch {
		case len(fields) == 1 && strings.HasSuffix(rel, "/"):
			err = os.MkdirAll(path, 0o755)
		case len(fields) == 2:
			if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
				err = os.Symlink(fields[1], path)
			}
		default:
			return fmt.Errorf("%s:%d: want \"PATH TARGET\" or \"DIR/\", have %q", table, lineNo, line)
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", table, lineNo, err)
		}
	}
	return sc.Err()
}

// FixtureLinks returns the symlinks of a scenario's links.txt, path to
// target. Tests derive what a fixture defines (which process is in which
// namespace) from it, independently of the code under test.
func FixtureLinks(t testing.TB, scenario string) map[string]string {
	t.Helper()
	table := filepath.Join(ModuleRoot(t), "testdata", "hosts", scenario, "links.txt")
	b, err := os.ReadFile(table)
	if err != nil {
		t.Fatalf("fixture host %q: %v", scenario, err)
	}
	links := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && !strings.HasPrefix(f[0], "#") {
			links[f[0]] = f[1]
		}
	}
	return links
}
