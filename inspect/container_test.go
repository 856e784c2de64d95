package inspect

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Well-formed 64-hex container IDs.
const (
	idA = "4f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
	idB = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func TestContainerFromCgroups(t *testing.T) {
	dockerPath := "/docker/" + dockerIDParsetest1
	tests := []struct {
		name  string
		lines []CgroupLine
		want  *Container
	}{
		{
			// real: parsetest-1 on the hybrid test VM (see cgroupDockerHybrid)
			name:  "hybrid, both v1 and v2 carry the path",
			lines: mustParseCgroupFile(t, cgroupDockerHybrid),
			want:  &Container{Runtime: RuntimeDocker, ID: dockerIDParsetest1, Cgroup: dockerPath},
		},
		{
			// Docker on a hybrid host with the v2 hierarchy unused: only
			// the v1 lines name the container.
			name: "hybrid, v2 at root",
			lines: []CgroupLine{
				{HierarchyID: 4, Controllers: []string{"memory"}, Path: dockerPath},
				{HierarchyID: 1, Controllers: []string{"name=systemd"}, Path: dockerPath},
				{HierarchyID: 0, Path: "/"},
			},
			want: &Container{Runtime: RuntimeDocker, ID: dockerIDParsetest1, Cgroup: dockerPath},
		},
		{
			name:  "v2 only",
			lines: []CgroupLine{{HierarchyID: 0, Path: "/system.slice/docker-" + idA + ".scope"}},
			want:  &Container{Runtime: RuntimeDocker, ID: idA, Cgroup: "/system.slice/docker-" + idA + ".scope"},
		},
		{
			// When v1 and v2 disagree, the unified line is preferred even
			// though it comes last in the file.
			name: "v2 wins over an earlier v1 line",
			lines: []CgroupLine{
				{HierarchyID: 4, Controllers: []string{"memory"}, Path: "/docker/" + idB},
				{HierarchyID: 0, Path: "/machine.slice/libpod-" + idA + ".scope"},
			},
			want: &Container{Runtime: RuntimePodman, ID: idA, Cgroup: "/machine.slice/libpod-" + idA + ".scope"},
		},
		{
			name:  "host process on the hybrid VM",
			lines: mustParseCgroupFile(t, cgroupHostHybrid),
		},
		{name: "no lines", lines: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ContainerFromCgroups(tt.lines)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ContainerFromCgroups mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func mustParseCgroupFile(t *testing.T, s string) []CgroupLine {
	t.Helper()
	lines, err := ParseCgroupFile([]byte(s))
	if err != nil {
		t.Fatalf("ParseCgroupFile(%q): %v", s, err)
	}
	return lines
}
