package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/postmortem/postmortem/analyzer"
	"github.com/postmortem/postmortem/parsers"
	"github.com/postmortem/postmortem/sources"
)

// chunkSize is the size of the blocks handed to parser workers: large enough
// to amortise channel traffic, small enough to keep all cores busy.
const chunkSize = 4 << 20

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
func analyze(ctx context.Context, plans []*plan, opts *analyzer.Options, prog *counters) (*analyzer.Aggregator, error) {
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
		buf   *[]byte
	}
	free := make(chan *[]byte, 2*nw+2)
	for range cap(free) {
		b := make([]byte, chunkSize)
		free <- &b
	}
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
		go func(agg *analyzer.Aggregator) {
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
					agg.AddAccess(j.input, num, &rec)
				})
				prog.lines.Add(n)
				prog.bytes.Add(int64(len(j.data)))
				free <- j.buf
			}
		}(aggs[w])
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
			if err := readEvents(ctx, i, p, agg, buf, prog); err != nil {
				evErr = err
				fail(err)
				return
			}
		}
	}()

	// Access inputs: one reader at a time feeds all workers.
	func() {
		defer close(jobs)
		for i, p := range plans {
			if p.kind != parsers.KindAccess {
				continue
			}
			err := readChunks(ctx, p, func(c sources.Chunk, b *[]byte) {
				jobs <- work{input: i, part: c.Part, multi: len(p.in.Parts) > 1, first: c.FirstLine, data: c.Data, buf: b}
			}, free, aggs[nw], i)
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
	return root, nil
}

// readChunks reads one input in chunks of whole lines, hands each to send
// with the buffer it lives in (send passes the buffer back through free when
// done), and records overlong lines and warnings.
func readChunks(ctx context.Context, p *plan, send func(sources.Chunk, *[]byte), free chan *[]byte, agg *analyzer.Aggregator, input int) error {
	r, err := p.in.Open(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		var b *[]byte
		select {
		case b = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		c, err := r.NextChunk(*b)
		if len(c.Data) > 0 {
			send(c, b)
		} else {
			free <- b
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
func readEvents(ctx context.Context, input int, p *plan, agg *analyzer.Aggregator, buf []byte, prog *counters) error {
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
	emit := func(e *parsers.Event) {
		recorded += int64(max(e.Lines, 1))
		agg.AddEvent(input, 0, e)
	}
	for {
		c, err := r.NextChunk(buf)
		n := forEachLine(c.Data, c.FirstLine, func(line []byte, num int64) {
			ferr := er.Feed(line, num, func(e *parsers.Event) {
				recorded += int64(max(e.Lines, 1))
				agg.AddEvent(input, num, e)
			})
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
