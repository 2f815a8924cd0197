package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/postmortem/postmortem/analyzer"
	"github.com/postmortem/postmortem/parsers"
	"github.com/postmortem/postmortem/sources"
)

// chunkSize is the size of the blocks handed to parser workers: large enough
// to amortise channel traffic, small enough to keep all cores busy and the
// buffers in flight (two per worker) small.
const chunkSize = 1 << 20

// shardMinSize is the size from which an access log that is one plain file
// is split into one contiguous shard per worker instead of being dealt out
// in chunks: each worker then holds the state of one stretch of time, not
// of all of it, which halves the memory on two cores, and reads its own
// bytes.
const shardMinSize = 16 << 20

// plan is one input with what sniffing (or the flags) decided about it.
type plan struct {
	in     sources.Input
	info   analyzer.InputInfo
	kind   parsers.Kind
	access *parsers.AccessParser // for access inputs
	format string                // event reader format, for the others
	events parsers.EventOptions
}

// counters feed the progress line.
type counters struct {
	bytes atomic.Int64
	lines atomic.Int64
}

// analyze reads every input once, parses access inputs on all cores and the
// other kinds alongside, and returns the merged aggregate. Each worker owns
// its aggregator; merging is commutative, so the result does not depend on
// scheduling.
//
// An access input that is one plain file of at least shardMin bytes is read
// in shards (shardMinSize in the command; tests vary it).
func analyze(ctx context.Context, plans []*plan, opts *analyzer.Options, prog *counters, shardMin int64) (*analyzer.Aggregator, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	nw := runtime.GOMAXPROCS(0)
	root := analyzer.NewAggregator(opts)
	aggs := make([]*analyzer.Aggregator, nw+1)
	for i := range aggs {
		aggs[i] = root.Clone()
	}

	type work struct {
		input int
		part  string
		multi bool
		first int64
		data  []byte
		times []int64 // Loki entry times, one per line; nil for files
		buf   *[]byte
	}
	skews := make([]skewStats, nw+1) // one per goroutine, summed at the end
	// Chunk buffers are made on first need (inputs read in shards need
	// none), at most two per worker plus the reader's.
	free := make(chan *[]byte, 2*nw+2)
	bufs := &bufPool{free: free, left: cap(free)}
	jobs := make(chan work, nw)

	var (
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() { firstErr = err; cancel() })
	}

	var wg sync.WaitGroup
	for w := range nw {
		wg.Add(1)
		go func(agg *analyzer.Aggregator, skew *skewStats) {
			defer wg.Done()
			parsersByInput := map[int]*parsers.AccessParser{}
			var rec parsers.Access
			for j := range jobs {
				p := parsersByInput[j.input]
				if p == nil {
					p = plans[j.input].access.Clone()
					parsersByInput[j.input] = p
				}
				n := forEachLine(j.data, j.first, func(line []byte, num int64) {
					if err := p.Parse(line, &rec); err != nil {
						agg.Skip(j.input, num, reason(err), sampleText(j.part, j.multi, line))
						return
					}
					if j.times != nil {
						skew.check(j.input, &rec.Time, j.times[num-j.first])
					}
					agg.AddAccess(j.input, num, &rec)
				})
				prog.lines.Add(n)
				prog.bytes.Add(int64(len(j.data)))
				free <- j.buf
			}
		}(aggs[w], &skews[w])
	}

	// The other kinds are small next to access logs: one goroutine reads
	// them in order, beside the access workers.
	var evErr error
	evDone := make(chan struct{})
	go func() {
		defer close(evDone)
		agg := aggs[nw]
		buf := make([]byte, chunkSize)
		for i, p := range plans {
			if p.kind == parsers.KindAccess {
				continue
			}
			if err := readEvents(ctx, i, p, agg, buf, prog, &skews[nw]); err != nil {
				evErr = err
				fail(err)
				return
			}
		}
	}()

	// Access inputs: a large plain file is read in shards, one per worker;
	// the others by one reader at a time that feeds all workers.
	func() {
		defer close(jobs)
		for i, p := range plans {
			if p.kind != parsers.KindAccess {
				continue
			}
			sharded, err := readShards(ctx, i, p, nw, shardMin, root, prog)
			if err != nil {
				fail(err)
				return
			}
			if sharded {
				continue
			}
			err = readChunks(ctx, p, func(c sources.Chunk, b *[]byte) {
				jobs <- work{input: i, part: c.Part, multi: len(p.in.Parts) > 1, first: c.FirstLine, data: c.Data, times: c.EntryTimes, buf: b}
			}, bufs, aggs[nw], i)
			if err != nil {
				fail(err)
				return
			}
		}
	}()
	wg.Wait()
	<-evDone
	if firstErr != nil {
		return nil, firstErr
	}
	if evErr != nil {
		return nil, evErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, a := range aggs {
		root.Merge(a)
	}
	var total skewStats
	for i := range skews {
		total.merge(&skews[i])
	}
	for i, p := range plans {
		if w := total.warning(i); w != "" {
			p.info.Warnings = append(p.info.Warnings, w)
		}
	}
	return root, nil
}

// skewTolerance is how far a line's own timestamp may be from the one Loki
// stored before the report mentions it.
const skewTolerance = int64(time.Minute)

// skewStats compares each Loki line's own timestamp with Loki's entry
// timestamp: the line's own wins; Loki's fills in when the line has none.
type skewStats struct {
	byInput map[int]*skew
}

type skew struct {
	off, filled int64 // lines off by more than skewTolerance; lines with no time of their own
	maxNS       int64
}

func (s *skewStats) get(input int) *skew {
	if s.byInput == nil {
		s.byInput = map[int]*skew{}
	}
	k := s.byInput[input]
	if k == nil {
		k = &skew{}
		s.byInput[input] = k
	}
	return k
}

// check fills *own from entry when the line carried no time, and counts a
// disagreement beyond skewTolerance.
func (s *skewStats) check(input int, own *int64, entry int64) {
	if entry == 0 {
		return
	}
	if *own == 0 {
		*own = entry
		s.get(input).filled++
		return
	}
	d := *own - entry
	if d < 0 {
		d = -d
	}
	if d > skewTolerance {
		k := s.get(input)
		k.off++
		k.maxNS = max(k.maxNS, d)
	}
}

func (s *skewStats) merge(o *skewStats) {
	for in, k := range o.byInput {
		t := s.get(in)
		t.off += k.off
		t.filled += k.filled
		t.maxNS = max(t.maxNS, k.maxNS)
	}
}

func (s *skewStats) warning(input int) string {
	k := s.byInput[input]
	if k == nil {
		return ""
	}
	var parts []string
	if k.off > 0 {
		parts = append(parts, fmt.Sprintf("%d lines carry a timestamp more than a minute away from Loki's (up to %s); the line's own time was used", k.off, time.Duration(k.maxNS).Round(time.Second)))
	}
	if k.filled > 0 {
		parts = append(parts, fmt.Sprintf("%d records had no timestamp of their own; Loki's entry time was used", k.filled))
	}
	return strings.Join(parts, "; ")
}

// readShards reads input i on n workers at once when it is one large plain
// file, each worker its own contiguous shard into its own aggregator, then
// numbers the lines of each shard after those before it and merges them
// into root. It returns false, having read nothing, when the input cannot
// be split.
func readShards(ctx context.Context, input int, p *plan, n int, minSize int64, root *analyzer.Aggregator, prog *counters) (bool, error) {
	// A shard that fails stops the others: their readers watch this ctx.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rs, err := p.in.OpenShards(ctx, n, minSize)
	if err != nil || rs == nil {
		return false, err
	}
	aggs := make([]*analyzer.Aggregator, len(rs))
	errs := make([]error, len(rs))
	var wg sync.WaitGroup
	for k, r := range rs {
		aggs[k] = root.Clone()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[k] = readShard(input, p, r, aggs[k], prog); errs[k] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	for _, r := range rs {
		r.Close()
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return true, err
		}
	}
	if err := ctx.Err(); err != nil {
		return true, err
	}
	var base int64
	for k, r := range rs {
		finishInput(p, r, aggs[k], input)
		aggs[k].ShiftLines(input, base)
		base += r.Lines()
		root.Merge(aggs[k])
	}
	return true, nil
}

// readShard parses every access line of one shard into agg.
func readShard(input int, p *plan, r *sources.Reader, agg *analyzer.Aggregator, prog *counters) error {
	parser := p.access.Clone()
	buf := make([]byte, chunkSize)
	var rec parsers.Access
	for {
		c, err := r.NextChunk(buf)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		n := forEachLine(c.Data, c.FirstLine, func(line []byte, num int64) {
			if err := parser.Parse(line, &rec); err != nil {
				agg.Skip(input, num, reason(err), sampleText(c.Part, false, line))
				return
			}
			agg.AddAccess(input, num, &rec)
		})
		prog.lines.Add(n)
		prog.bytes.Add(int64(len(c.Data)))
	}
}

// readChunks reads one input in chunks of whole lines, hands each to send
// with the buffer it lives in (send passes the buffer back through free when
// done), and records overlong lines and warnings.
func readChunks(ctx context.Context, p *plan, send func(sources.Chunk, *[]byte), bufs *bufPool, agg *analyzer.Aggregator, input int) error {
	r, err := p.in.Open(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		b, err := bufs.get(ctx)
		if err != nil {
			return err
		}
		c, err := r.NextChunk(*b)
		if len(c.Data) > 0 {
			send(c, b)
		} else {
			bufs.free <- b
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	finishInput(p, r, agg, input)
	return nil
}

// bufPool hands chunk buffers to the one reader goroutine: a returned one
// if any, else a new one while fewer than cap(free) exist, else it waits.
// Workers give buffers back on free.
type bufPool struct {
	free chan *[]byte
	left int // buffers not made yet
}

func (p *bufPool) get(ctx context.Context) (*[]byte, error) {
	select {
	case b := <-p.free:
		return b, nil
	default:
	}
	if p.left > 0 {
		p.left--
		b := make([]byte, chunkSize)
		return &b, nil
	}
	select {
	case b := <-p.free:
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// finishInput records what the reader saw besides lines: overlong lines
// (skipped, never fatal) and warnings such as a truncated archive.
func finishInput(p *plan, r *sources.Reader, agg *analyzer.Aggregator, input int) {
	multi := len(p.in.Parts) > 1
	for _, l := range r.LongLines() {
		agg.Skip(input, l.Line, "line longer than 1 MiB", sampleText(l.Part, multi, l.Prefix))
	}
	p.info.Warnings = append(p.info.Warnings, r.Warnings()...)
}

// readEvents feeds one non-access input through its event reader.
// An input of no known format is read too, so that its lines are counted
// as skipped, with samples, rather than vanish.
func readEvents(ctx context.Context, input int, p *plan, agg *analyzer.Aggregator, buf []byte, prog *counters, skew *skewStats) error {
	var er parsers.EventReader = unknownReader{}
	if p.kind != parsers.KindUnknown {
		var err error
		if er, err = parsers.NewEventReader(p.kind, p.format, p.events); err != nil {
			return fmt.Errorf("%s: %w", p.info.Name, err)
		}
	}
	r, err := p.in.Open(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	multi := len(p.in.Parts) > 1
	// accepted counts the lines the reader took; recorded the lines its
	// records say they span. The difference (blank separators, banners) is
	// counted as parsed, so lines = parsed + skipped holds exactly.
	var accepted, recorded int64
	// Loki's entry times of the last lines fed (files have none), to look
	// up the entry time of a record's first line.
	var ring [4096]int64
	var cur int64
	entryOf := func(e *parsers.Event) int64 {
		if e.Line < 1 || cur-e.Line >= int64(len(ring)) {
			return 0
		}
		return ring[e.Line%int64(len(ring))]
	}
	emit := func(e *parsers.Event) {
		recorded += int64(max(e.Lines, 1))
		if !e.Relative {
			skew.check(input, &e.Time, entryOf(e))
		}
		agg.AddEvent(input, e.Line, e)
	}
	for {
		c, err := r.NextChunk(buf)
		n := forEachLine(c.Data, c.FirstLine, func(line []byte, num int64) {
			cur = num
			if c.EntryTimes != nil {
				ring[num%int64(len(ring))] = c.EntryTimes[num-c.FirstLine]
			}
			ferr := er.Feed(line, num, emit)
			if ferr != nil {
				agg.Skip(input, num, reason(ferr), sampleText(c.Part, multi, line))
				return
			}
			accepted++
		})
		prog.lines.Add(n)
		prog.bytes.Add(int64(len(c.Data)))
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	er.Flush(emit)
	agg.CountParsed(input, accepted-recorded)
	finishInput(p, r, agg, input)
	return nil
}

// unknownReader skips every line of an input whose format is unknown.
type unknownReader struct{}

var errUnknownFormat = &parsers.LineError{Reason: "no known log format"}

func (unknownReader) Feed([]byte, int64, func(*parsers.Event)) error { return errUnknownFormat }
func (unknownReader) Flush(func(*parsers.Event))                     {}

// forEachLine calls fn for every line of data (without its newline or a
// trailing CR), numbered from first, and returns how many it saw.
func forEachLine(data []byte, first int64, fn func(line []byte, num int64)) int64 {
	num := first
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var line []byte
		if i < 0 {
			line, data = data, nil
		} else {
			line, data = data[:i], data[i+1:]
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		fn(line, num)
		num++
	}
	return num - first
}

// reason is the stable class of a parse error, for grouping skipped lines.
func reason(err error) string {
	var le *parsers.LineError
	if errors.As(err, &le) {
		return le.Reason
	}
	return err.Error()
}

// sampleText is a skipped line as the report shows it; inputs made of several
// files (a rotated set) name the file the line came from.
func sampleText(part string, multi bool, line []byte) []byte {
	const max = 300
	if len(line) > max {
		line = line[:max]
	}
	if !multi {
		return line
	}
	out := make([]byte, 0, len(part)+2+len(line))
	out = append(out, part...)
	out = append(out, ": "...)
	return append(out, line...)
}
