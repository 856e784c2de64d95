package killlog

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseKmsgRecord(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Record
	}{
		{
			// real: this machine's kernel 6.18 (testdata/kmsg-6.18-memcg-oom.txt).
			name: "plain record, trailing newline",
			in:   "6,35741,15412230946,-;memory: usage 16384kB, limit 16384kB, failcnt 19\n",
			want: Record{Facility: 0, Level: 6, Seq: 35741, Monotonic: 15412230946 * time.Microsecond, Flags: "-",
				Text: "memory: usage 16384kB, limit 16384kB, failcnt 19"},
		},
		{
			name: "facility and level split from PRI",
			in:   "30,7,1,-;systemd[1]: hello",
			want: Record{Facility: 3, Level: 6, Seq: 7, Monotonic: time.Microsecond, Flags: "-", Text: "systemd[1]: hello"},
		},
		{
			name: "continuation flag",
			in:   "4,8,2,c;more text",
			want: Record{Level: 4, Seq: 8, Monotonic: 2 * time.Microsecond, Flags: "c", Continuation: true, Text: "more text"},
		},
		{
			// CONFIG_PRINTK_CALLER adds caller=; unknown fields must be ignored.
			name: "caller and unknown fields",
			in:   "6,9,3,-,caller=T123,future=1;text",
			want: Record{Level: 6, Seq: 9, Monotonic: 3 * time.Microsecond, Flags: "-", Caller: "T123", Text: "text"},
		},
		{
			name: "escapes undone, empty text allowed",
			in:   `6,10,4,-;a\x5cb\x0ac\x7f \xzz \x4`,
			want: Record{Level: 6, Seq: 10, Monotonic: 4 * time.Microsecond, Flags: "-", Text: "a\\b\nc\x7f \\xzz \\x4"},
		},
		{
			name: "dictionary lines",
			in:   "6,11,5,-;usb 1-1: new device\n SUBSYSTEM=usb\n DEVICE=c189:1\n NOTE=a\\x3db\n",
			want: Record{Level: 6, Seq: 11, Monotonic: 5 * time.Microsecond, Flags: "-", Text: "usb 1-1: new device",
				Dict: map[string]string{"SUBSYSTEM": "usb", "DEVICE": "c189:1", "NOTE": "a=b"}},
		},
		{
			name: "text keeps semicolons and commas",
			in:   "6,12,6,-;a;b,c",
			want: Record{Level: 6, Seq: 12, Monotonic: 6 * time.Microsecond, Flags: "-", Text: "a;b,c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKmsgRecord([]byte(tt.in))
			if err != nil {
				t.Fatalf("ParseKmsgRecord(%q): %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseKmsgRecord(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseKmsgRecordErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"no semicolon",
		"6,1,2;three fields",
		"x,1,2,-;bad pri",
		"6,-1,2,-;bad seq",
		"6,1,1.5,-;bad ts",
		"6,1,99999999999999999,-;ts overflows a Duration",
		"6,1,2,;empty flags",
		"6,1,2,-;text\nno leading space",
		"6,1,2,-;text\n novalue",
		"6,1,2,-;text\n =v",
	} {
		t.Run(in, func(t *testing.T) {
			_, err := ParseKmsgRecord([]byte(in))
			if !errors.Is(err, ErrFormat) {
				t.Errorf("ParseKmsgRecord(%q) error = %v, want ErrFormat", in, err)
			}
		})
	}
}

func TestParseKmsg(t *testing.T) {
	in := "6,1,10,-;first\n SUBSYSTEM=net\n\n4,2,20,c;second\n"
	got, err := ParseKmsg([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{Level: 6, Seq: 1, Monotonic: 10 * time.Microsecond, Flags: "-", Text: "first", Dict: map[string]string{"SUBSYSTEM": "net"}},
		{Level: 4, Seq: 2, Monotonic: 20 * time.Microsecond, Flags: "c", Continuation: true, Text: "second"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseKmsg mismatch (-want +got):\n%s", diff)
	}
	if _, err := ParseKmsg([]byte("6,1,10,-;ok\ngarbage\n")); !errors.Is(err, ErrFormat) {
		t.Errorf("ParseKmsg(garbage) error = %v, want ErrFormat", err)
	}
}
