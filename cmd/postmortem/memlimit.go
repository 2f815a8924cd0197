package main

import (
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// The soft heap limit the command keeps when GOMEMLIMIT is not given. The
// analyzer's live state for a day of busy logs is ~60 MB at its peak;
// without a limit the collector lets the heap grow to twice the live data
// before it collects. The limit starts at memoryFloor, and rises to
// memoryHeadroom × the live heap once that is more, so a larger input
// (a week of logs) never makes the collector run without pause: it then
// collects as if GOGC were 50.
const (
	memoryFloor    = 96 << 20
	memoryHeadroom = 1.5
	memoryPoll     = 20 * time.Millisecond
)

// adaptMemoryLimit sets the limit and keeps it above the live heap until
// stop is called.
func adaptMemoryLimit() (stop func()) {
	limit := int64(memoryFloor)
	debug.SetMemoryLimit(limit)
	done := make(chan struct{})
	go func() {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		t := time.NewTicker(memoryPoll)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				return
			}
			if want := int64(float64(sample[0].Value.Uint64()) * memoryHeadroom); want > limit {
				limit = want
				debug.SetMemoryLimit(limit)
			}
		}
	}()
	return func() { close(done) }
}
