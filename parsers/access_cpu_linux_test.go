//go:build linux

package parsers

import "golang.org/x/sys/unix"

// threadCPU returns the CPU time the calling OS thread has used, in
// nanoseconds. Benchmarks lock their goroutine to a thread and report
// bytes per CPU second beside bytes per wall second, so the figure stays
// meaningful on a machine shared with other work.
func threadCPU() int64 {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_THREAD, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
