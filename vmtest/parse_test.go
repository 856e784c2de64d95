package vmtest

import (
	"strings"
	"testing"
)

// The section parser decides what every VM check sees, so it is checked on
// its own, without a VM.
func TestParseGuestLog(t *testing.T) {
	tests := []struct {
		name    string
		log     string
		want    map[string]section
		wantErr string
	}{
		{
			name: "sections, statuses, notes and a name ending in a number",
			log: `# a note outside any section
=== BEGIN file /nsx/parent/memory.max ===
67108864

=== END file /nsx/parent/memory.max ===
=== RC file /nsx/parent/memory.max 0 ===
Killed
=== BEGIN nsx cgroup 105 ===
{"pid": 105}
=== END nsx cgroup 105 ===
=== RC nsx cgroup 105 1 ===
=== BEGIN nsx cgroup 105.stderr ===
nsx: boom
=== END nsx cgroup 105.stderr ===
=== DONE ===
`,
			want: map[string]section{
				"file /nsx/parent/memory.max": {body: "67108864", rc: 0},
				"nsx cgroup 105":              {body: `{"pid": 105}`, rc: 1},
				"nsx cgroup 105.stderr":       {body: "nsx: boom", rc: -1},
				"DONE":                        {rc: -1},
			},
		},
		{
			name:    "cut short",
			log:     "=== BEGIN nsx ls ===\n{\n",
			wantErr: `section "nsx ls" never ends`,
		},
		{
			name:    "mismatched end",
			log:     "=== BEGIN a ===\n=== END b ===\n",
			wantErr: `section "b" ends while "a" is open`,
		},
		{
			name:    "status of a section never printed",
			log:     "=== RC ghost 0 ===\n",
			wantErr: "stray status line",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseGuestLog(tt.log)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %d sections, want %d: %v", len(got), len(tt.want), got)
			}
			for name, want := range tt.want {
				s, ok := got[name]
				if !ok {
					t.Errorf("section %q missing", name)
					continue
				}
				if *s != want {
					t.Errorf("section %q = %+v, want %+v", name, *s, want)
				}
			}
		})
	}
}
