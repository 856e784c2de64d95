// Package units formats quantities for people: sizes in binary units, as
// the kernel and every container tool count memory.
package units

import "fmt"

// Bytes formats a size with one decimal in KiB, MiB, ... ("512 B", "1.5 GiB").
func Bytes(v uint64) string {
	const unit = 1024
	if v < unit {
		return fmt.Sprintf("%d B", v)
	}
	div, exp := uint64(unit), 0
	for n := v / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(v)/float64(div), "KMGTPE"[exp])
}
