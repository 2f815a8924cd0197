// Package analyzer turns parsed records into the incident model: streaming
// aggregation into mergeable per-worker state, then pure detectors (baseline,
// incidents, who flooded, saturation, restarts, retries, ambiguous writes,
// capacity) over the finished state. It does no I/O, reads no clock and
// formats nothing for display beyond plain-language evidence sentences.
package analyzer
