package sources

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grafana/loki/v3/pkg/loghttp"
	"github.com/grafana/loki/v3/pkg/logql/syntax"
)

// LokiOptions says how to reach Loki and how hard to pull.
type LokiOptions struct {
	URL      string // http(s)://host:port[/prefix]; user info in it is used as basic auth
	Org      string // tenant, sent as X-Scope-OrgID
	User     string // basic auth
	Password string
	Token    string // bearer token; wins over basic auth

	CAFile, CertFile, KeyFile string
	InsecureSkipVerify        bool

	// Parallel is how many time shards are fetched at once (default 4).
	Parallel int
	// Limit is the number of lines per request, 1..5000 (default 5000).
	Limit int
	// Timeout bounds one request, body included (default 60 s).
	Timeout time.Duration
	// Retries is how often a 429, 5xx, timeout or connection error is
	// retried (0: default 4; negative: never). A 4xx is never retried.
	Retries int
	// MinBackoff is the first retry's wait, doubled each time, with jitter
	// (default 500 ms).
	MinBackoff time.Duration
	// Progress receives a progress line while pulling; pass it only when it
	// is a terminal (nil: silent).
	Progress io.Writer
	// Stats, when set, counts requests and bytes (to compare pull and
	// pushdown costs).
	Stats *LokiStats
	// SpoolDir holds the unlinked spool files of pulled lines (default: the
	// system temp dir).
	SpoolDir string

	onPage func() // test hook: called after each page is spooled
}

// LokiQuery is one --loki-query KIND=LOGQL.
type LokiQuery struct {
	Kind  string // "" for auto (sniff the format as for files)
	LogQL string
}

// ParseLokiQuery parses "KIND=LOGQL" (or a bare LOGQL, meaning auto) and
// validates the LogQL with Loki's own parser: it must be a log query. KIND
// is checked for shape only; the caller checks it names a known kind.
func ParseLokiQuery(s string) (LokiQuery, error) {
	q := LokiQuery{LogQL: strings.TrimSpace(s)}
	if i := strings.IndexByte(s, '='); i > 0 && !strings.ContainsAny(s[:i], "{}\"` ") {
		q.Kind, q.LogQL = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
		for _, r := range q.Kind {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return LokiQuery{}, fmt.Errorf("loki query %q: bad kind %q", s, q.Kind)
			}
		}
	}
	if q.Kind == "auto" {
		q.Kind = ""
	}
	if q.LogQL == "" {
		return LokiQuery{}, fmt.Errorf("loki query %q: empty LogQL", s)
	}
	if err := validateLogQuery(q.LogQL); err != nil {
		return LokiQuery{}, err
	}
	return q, nil
}

// validateLogQuery parses a log query with Loki's parser and builds its
// pipeline, which also compiles its regular expressions.
func validateLogQuery(logql string) error {
	sel, err := syntax.ParseLogSelector(logql, true)
	if err == nil {
		_, err = sel.Pipeline()
	}
	if err != nil {
		return fmt.Errorf("loki query %q: %w", logql, err)
	}
	return nil
}

// LokiInputs pulls the lines of each query over [start, end) and returns one
// Input per stream (per distinct label set a query returns), ordered by
// query, then by labels. Lines of an input are in Loki timestamp order, and
// each chunk carries the Loki timestamps in Chunk.EntryTimes. Name and Part
// of an input are its labels, e.g. {host="web1", job="nginx"}; line numbers
// count the lines of the stream in the range.
//
// The range is split into shards fetched in parallel (opts.Parallel), each
// paged forward opts.Limit lines at a time. Lines are spooled to unlinked
// temporary files, so memory stays bounded and Head and Open cost no
// further request. All queries are validated before the first request.
func LokiInputs(ctx context.Context, opts LokiOptions, queries []LokiQuery, start, end time.Time) ([]Input, error) {
	for _, q := range queries {
		if err := validateLogQuery(q.LogQL); err != nil {
			return nil, err
		}
	}
	if !end.After(start) {
		return nil, fmt.Errorf("loki: empty time range %s..%s", start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339))
	}
	if opts.Limit == 0 {
		opts.Limit = DefaultLokiLimit
	}
	if opts.Limit < 1 || opts.Limit > 5000 {
		return nil, fmt.Errorf("loki: limit %d out of range 1..5000", opts.Limit)
	}
	if opts.Parallel <= 0 {
		opts.Parallel = DefaultLokiParallel
	}
	c, err := newLokiClient(opts)
	if err != nil {
		return nil, err
	}
	p := &puller{c: c, opts: opts}
	if opts.Progress != nil {
		stop := p.progress(start, end, len(queries))
		defer stop()
	}
	var inputs []Input
	for qi, q := range queries {
		ins, err := p.pull(ctx, q, start.UnixNano(), end.UnixNano())
		if err != nil {
			return nil, err
		}
		p.queriesDone.Store(int64(qi + 1))
		inputs = append(inputs, ins...)
	}
	return inputs, nil
}

// puller pulls the lines of queries.
type puller struct {
	c    *lokiClient
	opts LokiOptions

	lines       atomic.Int64 // lines spooled
	covered     atomic.Int64 // ns of the current query's range done
	queriesDone atomic.Int64
}

// shard is one time slice [from, to) of a query, paged by one goroutine.
type shard struct {
	from, to int64
	spool    *spoolFile
	segs     map[string][]segment // by stream labels
	labels   map[string]map[string]string
}

func (p *puller) pull(ctx context.Context, q LokiQuery, from, to int64) ([]Input, error) {
	p.covered.Store(0)
	n := int64(p.opts.Parallel) * 4
	if w := (to - from) / n; w < int64(time.Minute) {
		n = max(1, (to-from)/int64(time.Minute))
	}
	shards := make([]*shard, n)
	for i := range shards {
		shards[i] = &shard{
			from:   from + (to-from)*int64(i)/n,
			to:     from + (to-from)*int64(i+1)/n,
			segs:   map[string][]segment{},
			labels: map[string]map[string]string{},
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     atomic.Int64
	)
	for range min(int64(p.opts.Parallel), n) {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := p.fetchShard(ctx, q, shards[i]); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	for _, s := range shards {
		if len(s.segs) == 0 && s.spool != nil {
			s.spool.f.Close() // nothing spooled: free the descriptor now
		}
	}
	// Concatenate each stream's segments in shard order.
	spools := map[string]*lokiSpool{}
	labels := map[string]map[string]string{}
	for _, s := range shards {
		for key, segs := range s.segs {
			sp := spools[key]
			if sp == nil {
				sp = &lokiSpool{}
				spools[key] = sp
				labels[key] = s.labels[key]
			}
			sp.segs = append(sp.segs, segs...)
		}
	}
	keys := make([]string, 0, len(spools))
	for k := range spools {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ins := make([]Input, 0, len(keys))
	for _, k := range keys {
		ins = append(ins, Input{Name: k, Parts: []string{k}, Labels: labels[k], KindHint: q.Kind, loki: spools[k]})
	}
	return ins, nil
}

// fetchShard pages forward through one shard. Loki returns at most limit
// entries per request, oldest first; the next page starts at the last
// timestamp seen (not after it, since more lines may share that
// nanosecond), and the lines already seen at that timestamp are dropped.
// When a whole page shares that one timestamp and holds nothing new, that
// nanosecond alone is fetched with the largest limit Loki accepts.
func (p *puller) fetchShard(ctx context.Context, q LokiQuery, s *shard) error {
	sp, err := newSpoolFile(p.opts.SpoolDir)
	if err != nil {
		return err
	}
	s.spool = sp
	var (
		cursor   = s.from
		boundary = int64(-1)
		seen     = map[string]struct{}{}
		page     int
	)
	for cursor < s.to {
		page++
		streams, err := p.queryRange(ctx, q.LogQL, cursor, s.to, p.opts.Limit, page)
		if err != nil {
			return err
		}
		total, fresh, last := 0, 0, int64(-1)
		for _, st := range streams {
			total += len(st.Entries)
			for _, e := range st.Entries {
				last = max(last, e.Timestamp.UnixNano())
			}
		}
		fresh, err = p.spoolPage(s, streams, boundary, seen)
		if err != nil {
			return err
		}
		if total < p.opts.Limit {
			break // the shard is complete
		}
		if last == boundary && fresh == 0 {
			// Stuck: more than limit lines share this nanosecond.
			streams, err := p.queryRange(ctx, q.LogQL, last, last+1, 5000, page)
			if err != nil {
				return err
			}
			n := 0
			for _, st := range streams {
				n += len(st.Entries)
			}
			if n >= 5000 {
				return fmt.Errorf("loki query %q: 5000 or more lines share the timestamp %s; Loki cannot page through them",
					q.LogQL, time.Unix(0, last).UTC().Format(time.RFC3339Nano))
			}
			if _, err := p.spoolPage(s, streams, boundary, seen); err != nil {
				return err
			}
			cursor, boundary = last+1, -1
			clear(seen)
			continue
		}
		if last != boundary {
			boundary = last
			clear(seen)
		}
		for _, st := range streams {
			key := st.Labels.String()
			for _, e := range st.Entries {
				if e.Timestamp.UnixNano() == last {
					seen[key+"\x00"+e.Line] = struct{}{}
				}
			}
		}
		p.covered.Add(last - cursor)
		cursor = last
	}
	p.covered.Add(s.to - cursor)
	return nil
}

// streamShardLabel is the label Loki adds when it splits a busy stream
// into shards at ingestion (limits_config.shard_streams, on by default in
// Loki 3). The shards of one stream are merged back into one input.
const streamShardLabel = "__stream_shard__"

// spoolPage appends a page's entries to the shard's spool, dropping the ones
// at the boundary timestamp already seen; it returns how many it kept.
// Entries of the stream shards of one stream are merged by timestamp.
func (p *puller) spoolPage(s *shard, streams loghttp.Streams, boundary int64, seen map[string]struct{}) (int, error) {
	type ent struct {
		ts   int64
		line string
	}
	byKey := map[string][]ent{}
	var keys []string
	merged := map[string]bool{}
	for _, st := range streams {
		full := st.Labels.String()
		lbls := maps.Clone(st.Labels.Map()) // Map is the LabelSet itself
		delete(lbls, streamShardLabel)
		key := labelsString(lbls)
		if _, ok := byKey[key]; ok {
			merged[key] = true
		} else {
			keys = append(keys, key)
			if _, ok := s.labels[key]; !ok {
				s.labels[key] = lbls
			}
		}
		for _, e := range st.Entries {
			ts := e.Timestamp.UnixNano()
			if ts == boundary {
				if _, ok := seen[full+"\x00"+e.Line]; ok {
					continue
				}
			}
			byKey[key] = append(byKey[key], ent{ts, e.Line})
		}
	}
	sort.Strings(keys)
	kept := 0
	for _, key := range keys {
		es := byKey[key]
		if len(es) == 0 {
			continue
		}
		if merged[key] {
			sort.SliceStable(es, func(i, j int) bool { return es[i].ts < es[j].ts })
		}
		times := make([]int64, len(es))
		lines := make([]string, len(es))
		for i, e := range es {
			times[i], lines[i] = e.ts, e.line
		}
		seg, err := s.spool.appendLines(key, times, lines)
		if err != nil {
			return kept, err
		}
		s.segs[key] = append(s.segs[key], seg)
		kept += len(es)
	}
	p.lines.Add(int64(kept))
	if p.opts.onPage != nil {
		p.opts.onPage()
	}
	return kept, nil
}

var categorize = http.Header{"X-Loki-Response-Encoding-Flags": {"categorize-labels"}}

// queryRange asks for one page of a log query over [from, to).
func (p *puller) queryRange(ctx context.Context, logql string, from, to int64, limit, page int) (loghttp.Streams, error) {
	params := url.Values{
		"query":     {logql},
		"start":     {strconv.FormatInt(from, 10)},
		"end":       {strconv.FormatInt(to, 10)},
		"limit":     {strconv.Itoa(limit)},
		"direction": {"forward"},
	}
	var streams loghttp.Streams
	// Labels extracted by the pipeline (| json, | logfmt, | pattern) come
	// apart from the stream's labels, so they do not split a stream into
	// one stream per line (Loki 3: categorize-labels).
	err := p.c.callH(ctx, "query_range", "GET", "/loki/api/v1/query_range", params, categorize, nil, func(body []byte) error {
		var resp loghttp.QueryResponse
		if err := resp.UnmarshalJSON(body); err != nil {
			return err
		}
		if resp.Status != loghttp.QueryStatusSuccess {
			return fmt.Errorf("status %q", resp.Status)
		}
		if resp.Data.ResultType != loghttp.ResultTypeStream {
			return fmt.Errorf("result type %q, want streams", resp.Data.ResultType)
		}
		streams, _ = resp.Data.Result.(loghttp.Streams)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w (page %d of %s)", err, page, logql)
	}
	return streams, nil
}

// progress prints lines pulled and the share of the range covered until
// stop is called.
func (p *puller) progress(start, end time.Time, nq int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	span := end.Sub(start)
	print := func(final bool) {
		q := p.queriesDone.Load()
		cov := time.Duration(p.covered.Load())
		if final {
			q, cov = int64(nq), span
		} else {
			q++
		}
		fmt.Fprintf(p.opts.Progress, "\rloki: %d lines, query %d/%d, %s..%s %3.0f%% covered ",
			p.lines.Load(), min(q, int64(nq)), nq, start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339),
			100*float64(cov)/float64(span))
		if final {
			fmt.Fprintln(p.opts.Progress)
		}
	}
	wg.Go(func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				print(false)
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		print(true)
	}
}
