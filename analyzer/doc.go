// Package analyzer turns parsed records into the incident model: streaming
// aggregation into mergeable per-worker state, then pure detectors (baseline,
// incidents, who flooded, saturation, restarts, retries, ambiguous writes,
// capacity) over the finished state. It does no I/O, reads no clock and
// formats nothing for display beyond plain-language evidence sentences.
//
// The flow is NewAggregator → AddAccess / AddEvent / Skip (one Aggregator
// per goroutine, Clone for more) → Merge → Finish, which builds the State
// and runs the detectors, one per file:
//
//	aggregator.go, composition.go, events.go  streaming state (bounded by the window)
//	state.go, finish.go                       the finished State, series, accounting
//	incidents.go                              baseline and incidents
//	flood.go                                  who flooded and the trigger kind
//	saturation.go                             resources at their limit
//	restarts.go, effects.go                   restarts, before/after, relapse, verdicts
//	clock.go                                  clock alignment of zone-less inputs
//	timeline.go, summary.go                   the event timeline and the plain-language summary
//	writes.go, retry.go, capacity.go, replay.go  ambiguous writes, retry storms, capacity
package analyzer
