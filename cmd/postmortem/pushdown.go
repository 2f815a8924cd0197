package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/postmortem/postmortem/analyzer"
	"github.com/postmortem/postmortem/sources"
)

// Pushdown (--loki-mode=pushdown) lets Loki do the heavy counting. Access
// logs are by far the largest input, and most of a day's lines say only
// "all was well": Loki counts them by status with a metric query, and only
// the lines of the trouble, with a quiet stretch before it as the baseline,
// are pulled and analyzed in full. The other kinds are small and are pulled
// whole. This is I/O planning, not a finding: the analyzer still decides
// what the incident was, from the lines pulled.
const (
	pushdownStep      = 10 * time.Second // resolution of the metric queries
	pushdownLeadIn    = 30 * time.Minute // quiet time pulled before the trouble, for the baseline
	pushdownTail      = 10 * time.Minute // time pulled after the trouble, for the recovery
	pushdownErrShare  = 0.05             // a step is trouble above this share of 499/5xx …
	pushdownMinErrors = 10               // … with at least this many errors,
	pushdownRateRatio = 3.0              // or above this multiple of the median rate
)

// accessStatusPattern extracts the status of nginx and Apache access lines
// (combined, common, vhost and their timed variants) for metric queries.
const accessStatusPattern = "<_> <_> <_> [<_>] \"<_> <_> <_>\" <status> <_>"

// pushdownCounts are the whole range's access counts, from Loki.
type pushdownCounts struct {
	requests, s2, s3, s4, s5 int64
}

// pushdownRange asks Loki for per-step access counts by status and returns
// the part of [start, end) whose lines must be pulled (zero times: none), the
// whole range's counts, and a sentence for the report.
func pushdownRange(ctx context.Context, opts sources.LokiOptions, q sources.LokiQuery, start, end time.Time) (from, to time.Time, counts pushdownCounts, note string, err error) {
	sel, err := sources.LokiSelector(q.LogQL)
	if err != nil {
		return time.Time{}, time.Time{}, counts, "", err
	}
	logql := fmt.Sprintf("sum by (status) (count_over_time(%s | pattern `%s` [%s]))", sel, accessStatusPattern, pushdownStep)
	// A point at T counts (T-step, T]: the first at start+step-1ns counts
	// [start, start+step), as the pull of [start, end) reads it.
	series, err := sources.LokiMatrix(ctx, opts, logql, start.Add(pushdownStep-time.Nanosecond), end, pushdownStep)
	if err != nil {
		return time.Time{}, time.Time{}, counts, "", err
	}
	type step struct{ total, errors float64 }
	steps := map[int64]*step{}
	for _, s := range series {
		status := s.Labels["status"]
		for _, p := range s.Points {
			k := p.T.UnixNano()
			st := steps[k]
			if st == nil {
				st = &step{}
				steps[k] = st
			}
			st.total += p.V
			n := int64(p.V)
			counts.requests += n
			switch {
			case strings.HasPrefix(status, "2"):
				counts.s2 += n
			case strings.HasPrefix(status, "3"):
				counts.s3 += n
			case strings.HasPrefix(status, "4"):
				counts.s4 += n
			case strings.HasPrefix(status, "5"):
				counts.s5 += n
			}
			if status == "499" || strings.HasPrefix(status, "5") {
				st.errors += p.V
			}
		}
	}
	if len(steps) == 0 {
		return time.Time{}, time.Time{}, counts, "pushdown: Loki counted no access lines in the range", nil
	}
	keys := make([]int64, 0, len(steps))
	rates := make([]float64, 0, len(steps))
	for k, st := range steps {
		keys = append(keys, k)
		rates = append(rates, st.total)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	sort.Float64s(rates)
	median := rates[len(rates)/2]
	var first, last int64
	for _, k := range keys {
		st := steps[k]
		bad := (st.errors >= pushdownMinErrors && st.errors > pushdownErrShare*st.total) ||
			(median > 0 && st.total > pushdownRateRatio*median)
		if bad {
			if first == 0 {
				first = k
			}
			last = k
		}
	}
	if first == 0 {
		return time.Time{}, time.Time{}, counts, fmt.Sprintf(
			"pushdown: Loki counted %d access requests and found no trouble, so no access line was pulled; traffic figures come from Loki's counts", counts.requests), nil
	}
	from = time.Unix(0, first).Add(-pushdownStep - pushdownLeadIn)
	to = time.Unix(0, last).Add(pushdownTail)
	if from.Before(start) {
		from = start
	}
	if to.After(end) {
		to = end
	}
	note = fmt.Sprintf("pushdown: Loki counted all %d access requests by status at %s steps; access lines were pulled only for %s–%s (the trouble, %s before it as the baseline and %s after)",
		counts.requests, pushdownStep, from.UTC().Format("15:04"), to.UTC().Format("15:04"), pushdownLeadIn, pushdownTail)
	return from.UTC(), to.UTC(), counts, note, nil
}

// lokiPushdownInputs pulls the non-access queries over the whole range and
// the access queries over the part pushdownRange chose.
func lokiPushdownInputs(ctx context.Context, opts sources.LokiOptions, queries []sources.LokiQuery, start, end time.Time) ([]sources.Input, *pushdownResult, error) {
	res := &pushdownResult{}
	var inputs []sources.Input
	var rest []sources.LokiQuery
	for _, q := range queries {
		if q.Kind != "access" {
			rest = append(rest, q)
			continue
		}
		from, to, counts, note, err := pushdownRange(ctx, opts, q, start, end)
		if err != nil {
			return nil, nil, fmt.Errorf("pushdown: %w", err)
		}
		res.counts.requests += counts.requests
		res.counts.s2 += counts.s2
		res.counts.s3 += counts.s3
		res.counts.s4 += counts.s4
		res.counts.s5 += counts.s5
		res.notes = append(res.notes, note)
		if from.IsZero() {
			continue
		}
		ins, err := sources.LokiInputs(ctx, opts, []sources.LokiQuery{q}, from, to)
		if err != nil {
			return nil, nil, err
		}
		inputs = append(inputs, ins...)
	}
	if len(rest) > 0 {
		ins, err := sources.LokiInputs(ctx, opts, rest, start, end)
		if err != nil {
			return nil, nil, err
		}
		inputs = append(inputs, ins...)
	}
	return inputs, res, nil
}

// pushdownResult is what pushdown knows beyond the pulled lines.
type pushdownResult struct {
	counts pushdownCounts
	notes  []string
}

// apply puts Loki's whole-range counts into the report's traffic figures and
// says how the report was made.
func (p *pushdownResult) apply(rep *analyzer.Report) {
	if p == nil {
		return
	}
	if p.counts.requests > 0 {
		rep.Traffic.Requests = p.counts.requests
		rep.Traffic.Status = analyzer.StatusCounts{S2xx: p.counts.s2, S3xx: p.counts.s3, S4xx: p.counts.s4, S5xx: p.counts.s5}
	}
	rep.Notes = append(rep.Notes, p.notes...)
}

// reportTransfer prints what the Loki client transferred, on stderr.
func reportTransfer(w io.Writer, st *sources.LokiStats, elapsed time.Duration) {
	fmt.Fprintf(w, "postmortem: loki: %d requests, %.1f MB received in %s\n",
		st.Requests.Load(), float64(st.Bytes.Load())/1e6, elapsed.Round(time.Millisecond))
}
