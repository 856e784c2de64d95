package runtimes

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseKubeletLogLink(t *testing.T) {
	const id = "8fb2600e6e6118d062bf0d7354683499f4c98a1d6afaa378961ba83b59cc2eb4"
	const uid = "6f1c2b8e-4a7d-4e21-9c3b-5d8e7f6a1b20"
	tests := []struct {
		name, link, target string
		wantID             string
		want               *kubeletLogLink
	}{
		{
			// The kubelet's own layout: POD_NAMESPACE_CONTAINER-ID.log ->
			// /var/log/pods/NAMESPACE_POD_UID/CONTAINER/ATTEMPT.log.
			name:   "kubelet link",
			link:   "checkout-7f9c8d6b5-x2x4q_shop_nginx-" + id + ".log",
			target: "/var/log/pods/shop_checkout-7f9c8d6b5-x2x4q_" + uid + "/nginx/0.log",
			wantID: id,
			want:   &kubeletLogLink{container: "nginx", pod: &Pod{Namespace: "shop", Name: "checkout-7f9c8d6b5-x2x4q", UID: uid}},
		},
		{
			// Container names may hold '-': the ID is the last 64 characters.
			name:   "container name with dashes, unreadable target",
			link:   "web-0_default_log-shipper-" + id + ".log",
			wantID: id,
			want:   &kubeletLogLink{container: "log-shipper", pod: &Pod{Namespace: "default", Name: "web-0"}},
		},
		{
			// A target naming another pod gives no UID rather than a wrong one.
			name:   "target of another pod",
			link:   "web-0_default_app-" + id + ".log",
			target: "/var/log/pods/other_web-0_" + uid + "/app/0.log",
			wantID: id,
			want:   &kubeletLogLink{container: "app", pod: &Pod{Namespace: "default", Name: "web-0"}},
		},
		{name: "not a log", link: "web-0_default_app-" + id + ".txt"},
		{name: "short ID", link: "web-0_default_app-" + id[:12] + ".log"},
		{name: "ID not hex", link: "web-0_default_app-" + "z" + id[1:] + ".log"},
		{name: "two fields", link: "web-0_app-" + id + ".log"},
		{name: "empty pod", link: "_default_app-" + id + ".log"},
		{name: "no dash before the ID", link: "web-0_default_app_" + id + ".log"},
		{name: "empty", link: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gotID, got, ok := parseKubeletLogLink(tt.link, tt.target)
			if tt.want == nil {
				if ok {
					t.Fatalf("parseKubeletLogLink(%q) = %q, %+v; want no match", tt.link, gotID, got)
				}
				return
			}
			if !ok || gotID != tt.wantID {
				t.Fatalf("parseKubeletLogLink(%q) = %q, ok %v; want %q", tt.link, gotID, ok, tt.wantID)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(kubeletLogLink{})); diff != "" {
				t.Errorf("parseKubeletLogLink(%q) (-want +got):\n%s", tt.link, diff)
			}
		})
	}
}
