package killlog

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Clock converts printk timestamps of the running boot to wall time.
//
// printk stamps records with local_clock(): time since boot that stops
// during suspend and is not NTP-slewed. CLOCK_MONOTONIC also stops during
// suspend, so wall = (REALTIME - MONOTONIC) + stamp is exact for records
// logged after the last resume; a record logged before a suspend comes out
// late by the time suspended since (at most Suspended). dmesg -T subtracts
// CLOCK_BOOTTIME instead and shows every record after a resume early by
// exactly the time suspended before it. The journal's and syslog's stamps,
// taken when the record was logged, have neither error; Collect prefers
// them when they hold the same report.
type Clock struct {
	// BootWall is now(CLOCK_REALTIME) - now(CLOCK_MONOTONIC): the wall time
	// of printk timestamp 0 as the clocks see it now.
	BootWall time.Time
	// Suspended is CLOCK_BOOTTIME - CLOCK_MONOTONIC: the time spent
	// suspended since boot, the largest error of Wall for any record.
	Suspended time.Duration
	// Boot is /proc/sys/kernel/random/boot_id under the host root, "" when
	// unreadable.
	Boot string
}

// NowClock samples the running kernel's clocks and reads the boot ID under
// root ("" or "/" for the live host). The clocks are always the running
// kernel's: they describe the boot whose /dev/kmsg is read.
func NowClock(root string) Clock {
	c := Clock{Boot: readBootID(root)}
	// A preemption between the REALTIME and MONOTONIC reads would shift
	// BootWall by the time lost; of three tries keep the one whose two
	// REALTIME reads around MONOTONIC are closest together.
	bestGap := time.Duration(-1)
	for range 3 {
		r1 := clockNow(unix.CLOCK_REALTIME)
		m1 := clockNow(unix.CLOCK_MONOTONIC)
		boot := clockNow(unix.CLOCK_BOOTTIME)
		m2 := clockNow(unix.CLOCK_MONOTONIC)
		r2 := clockNow(unix.CLOCK_REALTIME)
		gap := r2 - r1
		if bestGap >= 0 && gap >= bestGap {
			continue
		}
		bestGap = gap
		mono := m1 + (m2-m1)/2 // both midpoints stand for the same instant
		c.BootWall = time.Unix(0, int64(r1+gap/2-mono))
		c.Suspended = max(boot-mono, 0)
	}
	return c
}

// Wall is the wall time of printk timestamp mono of the running boot.
func (c Clock) Wall(mono time.Duration) time.Time {
	return c.BootWall.Add(mono)
}

func clockNow(id int32) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(id, &ts); err != nil {
		// Linux has had all three clocks since 2.6.39; nothing to recover.
		panic("clock_gettime: " + err.Error())
	}
	return time.Duration(ts.Nano())
}

func readBootID(root string) string {
	b, err := os.ReadFile(filepath.Join(rootOrSlash(root), "proc/sys/kernel/random/boot_id"))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func rootOrSlash(root string) string {
	if root == "" {
		return "/"
	}
	return filepath.Clean(root)
}
