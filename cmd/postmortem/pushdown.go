package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/postmortem/postmortem/analyzer"
	"github.com/postmortem/postmortem/sources"
)

// Pushdown (--loki-mode=pushdown) lets Loki do the heavy counting. Access
// logs are by far the largest input, and most of a day's lines say only
// "all was well". Loki counts them by status at 10 s steps over the whole
// range; those counts find the trouble and, handed to the analyzer for the
// seconds no pulled line covers, give the detectors and charts the whole
// range's request rate and failed share. Loki also computes the latency
// quantiles outside the pulled windows (quantile_over_time over unwrap
// request_time) and the top referrers, clients and paths of each trouble
// window and of the half hour before (topk). Raw access lines are pulled
// only for the trouble windows with a short margin: the analyzer needs them
// for what only lines tell (composition, clients, writes, in-flight). The
// other kinds are small and are pulled whole. This is I/O planning, not a
// finding: the analyzer still decides what the incident was.
const (
	pushdownStep         = 10 * time.Second // resolution of the metric queries
	pushdownLeadIn       = 5 * time.Minute  // raw lines pulled before the trouble
	pushdownTail         = 5 * time.Minute  // raw lines pulled after it, for the recovery
	pushdownMergeGap     = 15 * time.Minute // trouble runs closer than this are one window
	pushdownBaseline     = 30 * time.Minute // the baseline before a window, from Loki's topk
	pushdownTopK         = 50               // rows asked of topk before grouping into keys
	pushdownClientBudget = 20 * time.Second // for Loki's top clients, which a flood makes costly
	pushdownErrShare     = 0.05             // a step is trouble above this share of 499/5xx …
	pushdownMinErrors    = 10               // … with at least this many errors,
	pushdownRateRatio    = 3.0              // or above this multiple of the median rate
	// pushdownMostly is the share of the range the trouble windows may
	// cover before the metric details are skipped: the lines of nearly
	// all of it are pulled anyway, and Loki's scans would only add work.
	pushdownMostly = 0.5
)

// accessStatusPattern extracts the status of nginx and Apache access lines
// (combined, common, vhost and their timed variants) for metric queries.
const accessStatusPattern = "<_> <_> <_> [<_>] \"<_> <_> <_>\" <status> <_>"

// accessLatencyPattern extracts the request time that nginx
// "combined + $request_time [$upstream_response_time]" lines end with. A
// line without it leaves the label empty and is dropped by __error__="".
const accessLatencyPattern = "<_> <_> <_> [<_>] \"<_> <_> <_>\" <_> <_> \"<_>\" \"<_>\" <request_time> <_>"

// accessKeysRegexp extracts the path (without query) and the referrer host
// of an access line, as the analyzer keys them.
const accessKeysRegexp = `"[A-Z]+ (?P<path>[^ ?"]*)[^"]*" [0-9]+ [0-9-]+ "([a-zA-Z][a-zA-Z0-9+.-]*://(?P<refhost>[^/?#:"@]*))?`

// staticPathRegexp matches the paths analyzer.IsStaticPath calls static.
const staticPathRegexp = `.*\.(?i:css|js|mjs|map|png|jpg|jpeg|gif|svg|ico|webp|avif|woff|woff2|ttf|eot|otf|mp4|webm|mp3|pdf|zip|gz|txt)`

// pathIDTemplate replaces id-like path segments by ":id" in Loki, twice for
// adjacent ones, so that topk counts /product/:id, not one product each.
const pathIDTemplate = `{{ regexReplaceAll "/([0-9]+|[0-9a-fA-F-]{16,})(/|$)" (regexReplaceAll "/([0-9]+|[0-9a-fA-F-]{16,})(/|$)" .path "/:id${2}") "/:id${2}" }}`

// pushdownCounts are the whole range's access counts, from Loki.
type pushdownCounts struct {
	requests, s2, s3, s4, s5 int64
}

// pushdownPlan is what Loki's metric queries say about one access query.
type pushdownPlan struct {
	counts  pushdownCounts
	steps   []analyzer.StatusStep  // per pushdownStep, the whole range
	windows []analyzer.Window      // where raw lines are pulled, in order
	latency []analyzer.LatencyStep // outside windows
	tops    []pushdownTop          // one per window
	base    *pushdownTop           // before the first window; nil when it starts the range
	mostly  bool                   // the windows cover most of the range: no detail asked
	note    string
}

// pushdownTop is Loki's top keys over [from, to), keyed as the analyzer
// keys them, sorted by count desc then key.
type pushdownTop struct {
	from, to         time.Time
	referrers, paths []keyCount
	clients          []keyCount // by remote address; not asked for the baseline
	// clientsRefused says why Loki gave no top clients ("" when it did):
	// more distinct clients than its max_query_series, or no answer in
	// pushdownClientBudget.
	clientsRefused string
	pages          int64 // page requests (baseline only), the total the shares are of
}

type keyCount struct {
	key string
	n   int64
}

// planPushdown asks Loki for per-step access counts by status over
// [start, end), chooses the windows whose lines must be pulled, and asks
// for the latency quantiles outside them and the top keys inside them.
func planPushdown(ctx context.Context, opts sources.LokiOptions, q sources.LokiQuery, start, end time.Time) (*pushdownPlan, error) {
	sel, err := sources.LokiSelector(q.LogQL)
	if err != nil {
		return nil, err
	}
	p := &pushdownPlan{}
	if err := p.countSteps(ctx, opts, sel, start, end); err != nil {
		return nil, err
	}
	if len(p.steps) == 0 {
		p.note = "pushdown: Loki counted no access lines in the range"
		return p, nil
	}
	p.windows = troubleWindows(p.steps, start, end)
	p.mostly = coversMostly(p.windows, start, end)
	p.note = p.describe()
	return p, nil
}

// details asks Loki for the latency quantiles outside the pulled windows
// and the top keys of each window and of the baseline before the first;
// it runs beside the pull of the windows' lines.
func (p *pushdownPlan) details(ctx context.Context, opts sources.LokiOptions, q sources.LokiQuery, start, end time.Time) error {
	if len(p.steps) == 0 || p.mostly {
		return nil
	}
	sel, err := sources.LokiSelector(q.LogQL)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	run := func(f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	run(func() error {
		for _, g := range gaps(p.windows, start, end) {
			ls, err := lokiLatency(ctx, opts, sel, g.Start, g.End, p.steps)
			if err != nil {
				return err
			}
			p.latency = append(p.latency, ls...)
		}
		return nil
	})
	p.tops = make([]pushdownTop, len(p.windows))
	for i, w := range p.windows {
		run(func() (err error) { p.tops[i], err = lokiTop(ctx, opts, sel, w.Start, w.End, false); return })
	}
	if len(p.windows) > 0 && p.windows[0].Start.After(start) {
		to := p.windows[0].Start.Add(pushdownLeadIn)
		from := to.Add(-pushdownBaseline)
		if from.Before(start) {
			from = start
		}
		p.base = &pushdownTop{}
		run(func() (err error) { *p.base, err = lokiTop(ctx, opts, sel, from, to, true); return })
	}
	wg.Wait()
	return firstErr
}

// countSteps fills p.steps and p.counts from sum by (status)(count_over_time).
func (p *pushdownPlan) countSteps(ctx context.Context, opts sources.LokiOptions, sel string, start, end time.Time) error {
	logql := fmt.Sprintf("sum by (status) (count_over_time(%s | pattern `%s` [%s]))", sel, accessStatusPattern, pushdownStep)
	// A point at T counts (T-step, T]: the first at start+step-1ns counts
	// [start, start+step), as the pull of [start, end) reads it.
	series, err := sources.LokiMatrix(ctx, opts, logql, start.Add(pushdownStep-time.Nanosecond), end, pushdownStep)
	if err != nil {
		return err
	}
	byT := map[int64]*analyzer.StatusStep{}
	for _, s := range series {
		code, err := strconv.Atoi(s.Labels["status"])
		if err != nil || code < 100 || code > 599 {
			code = 0
		}
		for _, pt := range s.Points {
			at := pt.T.Add(time.Nanosecond - pushdownStep)
			st := byT[at.UnixNano()]
			if st == nil {
				st = &analyzer.StatusStep{At: at, Status: map[int]int64{}}
				byT[at.UnixNano()] = st
			}
			n := int64(math.Round(pt.V))
			st.Status[code] += n
			p.counts.requests += n
			switch code / 100 {
			case 2:
				p.counts.s2 += n
			case 3:
				p.counts.s3 += n
			case 4:
				p.counts.s4 += n
			case 5:
				p.counts.s5 += n
			}
		}
	}
	for _, st := range byT {
		p.steps = append(p.steps, *st)
	}
	sort.Slice(p.steps, func(i, j int) bool { return p.steps[i].At.Before(p.steps[j].At) })
	return nil
}

// troubleWindows are the runs of trouble steps (a high share of 499/5xx, or
// a rate well above the median), merged when closer than pushdownMergeGap,
// widened by the lead-in and tail and clipped to [start, end).
func troubleWindows(steps []analyzer.StatusStep, start, end time.Time) []analyzer.Window {
	rates := make([]float64, len(steps))
	for i, st := range steps {
		for _, n := range st.Status {
			rates[i] += float64(n)
		}
	}
	sorted := append([]float64(nil), rates...)
	sort.Float64s(sorted)
	median := sorted[len(sorted)/2]
	var out []analyzer.Window
	for i, st := range steps {
		var errs float64
		for code, n := range st.Status {
			if code == 499 || code/100 == 5 {
				errs += float64(n)
			}
		}
		bad := (errs >= pushdownMinErrors && errs > pushdownErrShare*rates[i]) ||
			(median > 0 && rates[i] > pushdownRateRatio*median)
		if !bad {
			continue
		}
		w := analyzer.Window{Start: st.At.Add(-pushdownLeadIn), End: st.At.Add(pushdownStep + pushdownTail)}
		if w.Start.Before(start) {
			w.Start = start
		}
		if w.End.After(end) {
			w.End = end
		}
		if n := len(out); n > 0 && !w.Start.After(out[n-1].End.Add(pushdownMergeGap)) {
			out[n-1].End = w.End
			continue
		}
		out = append(out, w)
	}
	for i := range out {
		out[i].Start, out[i].End = out[i].Start.UTC(), out[i].End.UTC()
	}
	return out
}

// coversMostly says whether the windows ws (disjoint) cover at least
// pushdownMostly of [start, end).
func coversMostly(ws []analyzer.Window, start, end time.Time) bool {
	var covered time.Duration
	for _, w := range ws {
		covered += w.End.Sub(w.Start)
	}
	return float64(covered) >= pushdownMostly*float64(end.Sub(start))
}

// gaps are the parts of [start, end) outside ws (sorted, disjoint).
func gaps(ws []analyzer.Window, start, end time.Time) []analyzer.Window {
	var out []analyzer.Window
	at := start
	for _, w := range ws {
		if w.Start.After(at) {
			out = append(out, analyzer.Window{Start: at, End: w.Start})
		}
		if w.End.After(at) {
			at = w.End
		}
	}
	if end.After(at) {
		out = append(out, analyzer.Window{Start: at, End: end})
	}
	return out
}

// lokiLatency asks Loki for the p50, p95 and p99 request time of every
// pushdownStep of [from, to), weighted by the step's request count.
func lokiLatency(ctx context.Context, opts sources.LokiOptions, sel string, from, to time.Time, steps []analyzer.StatusStep) ([]analyzer.LatencyStep, error) {
	reqs := map[int64]float64{}
	for _, st := range steps {
		for _, n := range st.Status {
			reqs[st.At.UnixNano()] += float64(n)
		}
	}
	byT := map[int64]*analyzer.LatencyStep{}
	for i, q := range []float64{0.5, 0.95, 0.99} {
		logql := fmt.Sprintf("quantile_over_time(%g, %s | pattern `%s` | unwrap request_time | __error__=\"\" [%s]) by ()",
			q, sel, accessLatencyPattern, pushdownStep)
		series, err := sources.LokiMatrix(ctx, opts, logql, from.Add(pushdownStep-time.Nanosecond), to, pushdownStep)
		if err != nil {
			return nil, err
		}
		for _, s := range series {
			for _, pt := range s.Points {
				at := pt.T.Add(time.Nanosecond - pushdownStep)
				ls := byT[at.UnixNano()]
				if ls == nil {
					ls = &analyzer.LatencyStep{At: at, Requests: reqs[at.UnixNano()], P50: math.NaN(), P95: math.NaN(), P99: math.NaN()}
					byT[at.UnixNano()] = ls
				}
				v := pt.V * 1000 // seconds → ms
				switch i {
				case 0:
					ls.P50 = v
				case 1:
					ls.P95 = v
				default:
					ls.P99 = v
				}
			}
		}
	}
	out := make([]analyzer.LatencyStep, 0, len(byT))
	for _, ls := range byT {
		out = append(out, *ls)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// lokiTop asks Loki for the top referrer hosts and paths of page requests
// over [from, to), grouped into the analyzer's keys, and with withTotal the
// number of page requests (the baseline); without it the top clients of all
// requests too. A Loki whose max_query_series (500 by default) is below the
// window's distinct clients refuses that query: it is noted, not fatal, and
// the pulled lines rank the clients exactly.
func lokiTop(ctx context.Context, opts sources.LokiOptions, sel string, from, to time.Time, withTotal bool) (pushdownTop, error) {
	top := pushdownTop{from: from, to: to}
	rng := fmt.Sprintf("%ds", int64(to.Sub(from)/time.Second))
	pages := fmt.Sprintf("%s | regexp `%s` | path !~ `%s`", sel, accessKeysRegexp, staticPathRegexp)
	vector := func(logql string) ([]sources.Sample, error) { return sources.LokiVector(ctx, opts, logql, to) }

	// The site's own host refers to its static assets; the analyzer calls it
	// "(internal)". A few minutes tell it.
	selfRng := rng
	if to.Sub(from) > pushdownLeadIn {
		selfRng = fmt.Sprintf("%ds", int64(pushdownLeadIn/time.Second))
	}
	selfQ := fmt.Sprintf("topk(1, sum by (refhost) (count_over_time(%s | regexp `%s` | path =~ `%s` | refhost != \"\" [%s])))", sel, accessKeysRegexp, staticPathRegexp, selfRng)
	self := ""
	rows, err := vector(selfQ)
	if err != nil {
		return top, err
	}
	if len(rows) > 0 {
		self = rows[0].Labels["refhost"]
	}
	refQ := fmt.Sprintf("topk(%d, sum by (refhost) (count_over_time(%s [%s])))", pushdownTopK, pages, rng)
	if rows, err = vector(refQ); err != nil {
		return top, err
	}
	top.referrers = groupKeys(rows, "refhost", func(h string) string { return analyzer.ReferrerNetwork(h, self) })
	pathQ := fmt.Sprintf("topk(%d, sum by (path) (count_over_time(%s | label_format path=`%s` [%s])))", pushdownTopK, pages, pathIDTemplate, rng)
	if rows, err = vector(pathQ); err != nil {
		return top, err
	}
	top.paths = groupKeys(rows, "path", analyzer.PathKey)
	if !withTotal {
		// A flood has tens of thousands of clients: Loki refuses the query
		// (max_query_series) or takes long. The pulled lines rank the
		// clients exactly, so this one is asked within a budget and its
		// failure is noted, not fatal.
		clientQ := fmt.Sprintf("topk(%d, sum by (client) (count_over_time(%s | pattern `<client> <_>` [%s])))", pushdownTopK, sel, rng)
		cctx, cancel := context.WithTimeout(ctx, pushdownClientBudget)
		rows, err = sources.LokiVector(cctx, opts, clientQ, to)
		cancel()
		switch {
		case err == nil:
			top.clients = groupKeys(rows, "client", func(c string) string { return c })
		case ctx.Err() != nil:
			return top, ctx.Err()
		case seriesLimit(err):
			top.clientsRefused = "more distinct clients than its max_query_series"
		default:
			top.clientsRefused = fmt.Sprintf("no answer within %s", pushdownClientBudget)
		}
		return top, nil
	}
	totalQ := fmt.Sprintf("sum(count_over_time(%s [%s]))", pages, rng)
	if rows, err = vector(totalQ); err != nil {
		return top, err
	}
	if len(rows) > 0 {
		top.pages = int64(math.Round(rows[0].V))
	}
	return top, nil
}

// seriesLimit says whether err is Loki refusing a query for returning more
// series than its max_query_series.
func seriesLimit(err error) bool {
	return err != nil && strings.Contains(err.Error(), "maximum number of series")
}

// groupKeys maps the label of each row to a key and sums rows by key.
func groupKeys(rows []sources.Sample, label string, key func(string) string) []keyCount {
	sums := map[string]int64{}
	for _, r := range rows {
		sums[key(r.Labels[label])] += int64(math.Round(r.V))
	}
	out := make([]keyCount, 0, len(sums))
	for k, n := range sums {
		out = append(out, keyCount{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].key < out[j].key
	})
	return out
}

func (p *pushdownPlan) describe() string {
	if p.mostly {
		return fmt.Sprintf("pushdown: Loki counted all %d access requests by status at %s steps; the trouble covers most of the range, so its access lines were pulled as in a full read and no other metric query was asked (it would have added work and saved nothing)",
			p.counts.requests, pushdownStep)
	}
	if len(p.windows) == 0 {
		return fmt.Sprintf("pushdown: Loki counted %d access requests and found no trouble, so no access line was pulled; request counts by status and latency quantiles come from Loki's metric queries", p.counts.requests)
	}
	var ws []string
	for _, w := range p.windows {
		ws = append(ws, w.Start.Format("15:04:05")+"–"+w.End.Format("15:04:05"))
	}
	return fmt.Sprintf("pushdown: Loki counted all %d access requests by status at %s steps (the timeline's request rates and the detectors' rates outside the pulled lines); access lines were pulled only for %s UTC (the trouble with %s before and %s after); latency quantiles outside them come from Loki's quantile_over_time, the top referrers and paths of each window and of the %s before from Loki's topk, and composition, clients, writes and in-flight from the pulled lines only",
		p.counts.requests, pushdownStep, strings.Join(ws, ", "), pushdownLeadIn, pushdownTail, pushdownBaseline)
}

// lokiPushdownInputs pulls the non-access queries over the whole range and
// the access queries over the windows planPushdown chose.
func lokiPushdownInputs(ctx context.Context, opts sources.LokiOptions, queries []sources.LokiQuery, start, end time.Time) ([]sources.Input, *pushdownResult, error) {
	res := &pushdownResult{}
	var pulls []sources.LokiQuery
	var windows [][]analyzer.Window // per pull; nil = the whole range
	for _, q := range queries {
		if q.Kind != "access" {
			pulls, windows = append(pulls, q), append(windows, nil)
			continue
		}
		p, err := planPushdown(ctx, opts, q, start, end)
		if err != nil {
			return nil, nil, fmt.Errorf("pushdown: %w", err)
		}
		res.plans = append(res.plans, p)
		res.counts.requests += p.counts.requests
		if len(p.windows) > 0 {
			pulls, windows = append(pulls, q), append(windows, p.windows)
		}
	}
	// Loki computes the details while the lines are pulled.
	errs := make(chan error, len(res.plans))
	for i, p := range res.plans {
		go func() { errs <- p.details(ctx, opts, queries[accessIndex(queries, i)], start, end) }()
	}
	var inputs []sources.Input
	var pullErr error
	var rest []sources.LokiQuery
	for i, q := range pulls {
		if windows[i] == nil {
			rest = append(rest, q)
			continue
		}
		for _, w := range windows[i] {
			ins, err := sources.LokiInputs(ctx, opts, []sources.LokiQuery{q}, w.Start, w.End)
			if err != nil && pullErr == nil {
				pullErr = err
			}
			inputs = append(inputs, ins...)
		}
	}
	if len(rest) > 0 && pullErr == nil {
		ins, err := sources.LokiInputs(ctx, opts, rest, start, end)
		pullErr = err
		inputs = append(inputs, ins...)
	}
	for range res.plans {
		if err := <-errs; err != nil && pullErr == nil {
			pullErr = fmt.Errorf("pushdown: %w", err)
		}
	}
	if pullErr != nil {
		return nil, nil, pullErr
	}
	return inputs, res, nil
}

// accessIndex is the index in queries of the i-th access query.
func accessIndex(queries []sources.LokiQuery, i int) int {
	for j, q := range queries {
		if q.Kind == "access" {
			if i == 0 {
				return j
			}
			i--
		}
	}
	return -1
}

// pushdownResult is what pushdown knows beyond the pulled lines.
type pushdownResult struct {
	plans  []*pushdownPlan
	counts pushdownCounts // summed over plans, to tell "no line at all"
}

// addTo gives the analyzer Loki's per-step counts for the seconds no pulled
// access line covers, before Finish, so that its detectors and the timeline
// see the whole range's rate and failed share.
func (p *pushdownResult) addTo(agg *analyzer.Aggregator) {
	if p == nil {
		return
	}
	for _, pl := range p.plans {
		agg.AddExternal(pl.steps, pushdownStep, pl.windows)
	}
}

// apply fills the chart's latency outside the pulled windows from Loki,
// takes the baseline shares of the top tables from Loki's topk when the
// pulled lines hold too little before the trouble, cross-checks Loki's top
// keys with the ones the analyzer found in the pulled lines, and says in
// the notes what came from where.
func (p *pushdownResult) apply(rep *analyzer.Report) {
	if p == nil {
		return
	}
	for _, pl := range p.plans {
		rep.Notes = append(rep.Notes, pl.note)
		if n := analyzer.FillLatency(&rep.Series, pl.latency, pushdownStep, pl.windows); n > 0 {
			rep.Notes = append(rep.Notes, fmt.Sprintf("pushdown: latency quantiles of %d chart buckets outside the pulled windows are Loki's (request-weighted where a bucket spans several 10 s steps); the whole-range p50/p95/p99 figures are over the pulled lines only", n))
		}
		for i := range rep.Incidents {
			inc := &rep.Incidents[i]
			top := pl.topFor(inc.Start)
			if top == nil {
				continue
			}
			if pl.base != nil {
				rebase(inc.Flood.TopReferrers, pl.base.referrers, pl.base.pages)
				rebase(inc.Flood.TopPaths, pl.base.paths, pl.base.pages)
			}
			rep.Notes = append(rep.Notes, crossCheck(inc, top))
		}
	}
}

// topFor is Loki's top keys for the window that holds t.
func (p *pushdownPlan) topFor(t time.Time) *pushdownTop {
	if len(p.tops) != len(p.windows) {
		return nil // not asked
	}
	for i, w := range p.windows {
		if !t.Before(w.Start) && t.Before(w.End) {
			return &p.tops[i]
		}
	}
	return nil
}

// rebase sets the baseline share and lift of rows from Loki's baseline
// counts, in the analyzer's lift formula.
func rebase(rows []analyzer.Share, base []keyCount, total int64) {
	if total <= 0 {
		return
	}
	byKey := map[string]int64{}
	for _, kc := range base {
		byKey[kc.key] = kc.n
	}
	for i := range rows {
		rows[i].BaselineShare = float64(byKey[rows[i].Key]) / float64(total)
		rows[i].Lift = rows[i].Share / math.Max(rows[i].BaselineShare, 1/float64(total))
	}
}

// crossCheckN is how many top keys are held against Loki's.
const crossCheckN = 5

// crossCheck compares the first keys of the analyzer's top tables for an
// incident with Loki's topk over its window, as a sentence for the notes.
func crossCheck(inc *analyzer.Incident, top *pushdownTop) string {
	var bad []string
	for _, c := range []struct {
		name string
		rows []analyzer.Share
		loki []keyCount
	}{{"referrers", inc.Flood.TopReferrers, top.referrers}, {"paths", inc.Flood.TopPaths, top.paths}, {"clients", inc.Flood.TopClients, top.clients}} {
		if c.name == "clients" && top.clientsRefused != "" {
			continue
		}
		a, b := shareKeys(c.rows, crossCheckN), countKeys(c.loki, crossCheckN)
		if strings.Join(a, "\x00") != strings.Join(b, "\x00") {
			bad = append(bad, fmt.Sprintf("%s: lines %s, Loki %s", c.name, strings.Join(a, ", "), strings.Join(b, ", ")))
		}
	}
	span := top.from.Format("15:04:05") + "–" + top.to.Format("15:04:05")
	what, refused := "referrers, paths and clients", ""
	if top.clientsRefused != "" {
		what = "referrers and paths"
		refused = "; Loki gave no top clients (" + top.clientsRefused + "): they come from the pulled lines"
	}
	if len(bad) == 0 {
		return fmt.Sprintf("pushdown: the top %d %s of the incident from %s agree with Loki's topk over %s UTC%s", crossCheckN, what, inc.Start.Format("15:04:05"), span, refused)
	}
	return fmt.Sprintf("pushdown: the top %d keys of the incident from %s differ from Loki's topk over %s UTC (the window is wider than the incident) in %s%s", crossCheckN, inc.Start.Format("15:04:05"), span, strings.Join(bad, "; "), refused)
}

func shareKeys(rows []analyzer.Share, n int) []string {
	var out []string
	for i := 0; i < len(rows) && i < n; i++ {
		out = append(out, rows[i].Key)
	}
	return out
}

func countKeys(rows []keyCount, n int) []string {
	var out []string
	for i := 0; i < len(rows) && i < n; i++ {
		out = append(out, rows[i].key)
	}
	return out
}

// reportTransfer prints what the Loki client transferred, on stderr.
func reportTransfer(w io.Writer, st *sources.LokiStats, elapsed time.Duration) {
	fmt.Fprintf(w, "postmortem: loki: %d requests, %.1f MB received in %s\n",
		st.Requests.Load(), float64(st.Bytes.Load())/1e6, elapsed.Round(time.Millisecond))
}
