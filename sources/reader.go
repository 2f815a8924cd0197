package sources

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// MaxLineLen is the longest line delivered, without its '\n'. Longer lines
// are counted in Reader.LongLines and skipped.
const MaxLineLen = 1 << 20

// longPrefixLen is how much of a skipped long line is kept as a sample.
const longPrefixLen = 200

// Input is one logical log. Use it through a pointer; copies share state.
type Input struct {
	// Name is the display name: a file's path, the base path of a rotated
	// set, "stdin", or "loki {labels}".
	Name string
	// Parts are the physical sources in reading order (oldest file first).
	Parts []string
	// Labels are the Loki stream labels; nil for files.
	Labels map[string]string
	// KindHint is the KIND of a --loki-query KIND=LOGQL ("" for files and
	// for "auto").
	KindHint string

	stdin *stdinState
	loki  *lokiSpool
}

// Chunk is a run of whole lines from one part of an input.
type Chunk struct {
	// Data holds whole lines, each ending in '\n' (a '\n' is added to a
	// part's last line when the file lacks it). A CRLF line keeps its '\r':
	// parsers strip a trailing '\r'. Data aliases the buf passed to
	// NextChunk, except when a single line is longer than buf: then Data is
	// a new slice holding that one line, owned by the caller.
	Data []byte
	// Part is the physical file (or Loki stream) the lines come from.
	Part string
	// FirstLine is the 1-based number of Data's first line within Part.
	FirstLine int64
	// EntryTimes holds, for Loki inputs, the Loki timestamp (Unix ns) of
	// each line of Data, in order; nil for files. The slice is new for each
	// chunk and owned by the caller.
	EntryTimes []int64
}

// LongLine is a line longer than MaxLineLen that was skipped.
type LongLine struct {
	Part   string
	Line   int64
	Prefix []byte // the first 200 bytes
}

// segment is a run of bytes belonging to one part.
type segment struct {
	part string
	path string // a file to open; "" for stdin and spool
	// Loki spool: lines in [off, off+n) and one int64 per line at tsOff.
	spool *os.File
	off   int64
	n     int64
	tsOff int64
	// A shard of a plain file (see Input.OpenShards): the lines that start
	// in [from, to); to < 0 reads to the end of the file.
	shard    bool
	from, to int64
}

// Reader hands out the lines of an Input in chunks. It is not safe for
// concurrent use; chunks it returned may be used concurrently.
type Reader struct {
	ctx  context.Context
	segs []segment
	si   int

	// current segment
	seg      *segment
	src      io.Reader
	closers  []io.Closer
	srcDone  bool
	segBase  int64 // lineNo when the segment started (for spool timestamps)
	part     string
	lineNo   int64 // lines consumed in part
	pend     []byte
	scratch  []byte
	skipping bool

	long  []LongLine
	warns []string
}

// Open starts reading the input from its beginning. Stdin can be opened
// once; what Head read from it is replayed.
func (in *Input) Open(ctx context.Context) (*Reader, error) {
	r := &Reader{ctx: ctx}
	switch {
	case in.stdin != nil:
		src, err := in.stdin.open()
		if err != nil {
			return nil, err
		}
		r.segs = []segment{{part: in.Name}}
		r.si = 0
		if err := r.startSegment(src, nil); err != nil {
			return nil, err
		}
	case in.loki != nil:
		r.segs = in.loki.segments()
	default:
		for _, p := range in.Parts {
			r.segs = append(r.segs, segment{part: p, path: p})
		}
	}
	return r, nil
}

// Lines returns how many lines of the current part were delivered or
// skipped as too long so far: after io.EOF from a shard, its line count.
func (r *Reader) Lines() int64 { return r.lineNo }

// LongLines returns the lines skipped for being longer than MaxLineLen.
func (r *Reader) LongLines() []LongLine { return r.long }

// Warnings returns problems that did not stop reading (a truncated archive).
// Each names its file.
func (r *Reader) Warnings() []string { return r.warns }

// Close releases open files. It is safe to call more than once.
func (r *Reader) Close() error {
	r.closeSegment()
	r.si = len(r.segs)
	return nil
}

// NextChunk fills buf with whole lines and returns them, or io.EOF after the
// last line of the last part. A chunk never spans two parts; its size is
// about len(buf) (smaller at the end of a part). len(buf) must be at least 2;
// 256 KiB to 4 MiB suits a parallel parser.
func (r *Reader) NextChunk(buf []byte) (Chunk, error) {
	if len(buf) < 2 {
		return Chunk{}, errors.New("sources: NextChunk buffer shorter than 2 bytes")
	}
	for {
		if err := r.ctx.Err(); err != nil {
			return Chunk{}, err
		}
		if r.src == nil {
			if r.si >= len(r.segs) {
				return Chunk{}, io.EOF
			}
			if err := r.openSegment(); err != nil {
				return Chunk{}, err
			}
			if r.src == nil { // unreadable archive: warned, skipped
				continue
			}
		}
		c, ok, err := r.fill(buf)
		if err != nil {
			return Chunk{}, err
		}
		if ok {
			if r.seg.spool != nil {
				if c.EntryTimes, err = r.spoolTimes(c); err != nil {
					return Chunk{}, err
				}
			}
			return c, nil
		}
		r.closeSegment()
	}
}

func (r *Reader) openSegment() error {
	seg := &r.segs[r.si]
	r.si++
	if seg.spool != nil {
		return r.startSegment(io.NewSectionReader(seg.spool, seg.off, seg.n), seg)
	}
	f, err := os.Open(seg.path)
	if err != nil {
		return err // *PathError: "open x: no such file or directory"
	}
	r.closers = append(r.closers, f)
	if seg.shard {
		return r.startSegment(newRangeReader(f, seg.from, seg.to), seg)
	}
	return r.startSegment(f, seg)
}

// startSegment sniffs compression on src and makes it the current source.
func (r *Reader) startSegment(raw io.Reader, seg *segment) error {
	if seg == nil {
		seg = &r.segs[r.si]
		r.si++
	}
	r.seg = seg
	if seg.part != r.part {
		r.part, r.lineNo = seg.part, 0
	}
	r.segBase = r.lineNo
	r.pend, r.srcDone, r.skipping = r.pend[:0], false, false
	if seg.spool != nil || seg.shard {
		r.src = raw // plain bytes: spool lines, or a shard of a plain file
		return nil
	}
	br := bufio.NewReaderSize(raw, 32<<10)
	magic, err := br.Peek(6)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		r.closeSegment()
		return fmt.Errorf("read %s: %w", seg.part, unwrapPath(err))
	}
	src, closer, kind, err := decompressor(br, magic)
	if err != nil {
		r.warnf("%s: unreadable %s data, skipped: %v", seg.part, kind, err)
		r.closeSegment()
		return nil
	}
	if closer != nil {
		r.closers = append(r.closers, closer)
	}
	r.src = src
	return nil
}

// compression names the format of a stream by its magic bytes.
func compression(magic []byte) string {
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		return "gzip"
	case len(magic) >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd:
		return "zstd"
	case len(magic) >= 4 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h' && magic[3] >= '1' && magic[3] <= '9':
		return "bzip2"
	case len(magic) >= 6 && bytes.Equal(magic[:6], []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return "xz"
	}
	return ""
}

func decompressor(br *bufio.Reader, magic []byte) (io.Reader, io.Closer, string, error) {
	kind := compression(magic)
	switch kind {
	case "gzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, kind, err
		}
		return zr, zr, kind, nil
	case "zstd":
		zr, err := zstd.NewReader(br, zstd.WithDecoderMaxMemory(1<<31))
		if err != nil {
			return nil, nil, kind, err
		}
		return zr, zstdCloser{zr}, kind, nil
	case "bzip2":
		return bzip2.NewReader(br), nil, kind, nil
	case "xz":
		return nil, nil, kind, errors.New("xz is not supported; decompress it first (xz -d)")
	}
	return br, nil, "plain", nil
}

type zstdCloser struct{ d *zstd.Decoder }

func (z zstdCloser) Close() error { z.d.Close(); return nil }

func (r *Reader) closeSegment() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i].Close()
	}
	r.closers = r.closers[:0]
	r.src = nil
}

func (r *Reader) warnf(format string, args ...any) {
	r.warns = append(r.warns, fmt.Sprintf(format, args...))
}

// read reads from the current source, turning its end or failure into
// r.srcDone. A decompression failure is a warning; a file read error is
// returned.
func (r *Reader) read(p []byte) (int, error) {
	n, err := r.src.Read(p)
	if err == nil {
		return n, nil
	}
	r.srcDone = true
	if err == io.EOF {
		return n, nil
	}
	var pe *os.PathError
	if errors.As(err, &pe) {
		return n, fmt.Errorf("read %s: %w", r.seg.part, pe.Err)
	}
	if r.seg.spool != nil {
		return n, fmt.Errorf("read loki spool for %s: %w", r.seg.part, err)
	}
	r.warnf("%s: compressed data truncated or corrupt after about line %d (%v); kept the lines before the damage",
		r.seg.part, r.lineNo+int64(bytes.Count(p[:n], nl)), err)
	return n, nil
}

var nl = []byte{'\n'}

// fill returns the next chunk of the current segment; ok is false at its end.
func (r *Reader) fill(buf []byte) (c Chunk, ok bool, err error) {
	limit := len(buf) - 1 // room for a '\n' after a last line without one
	for {
		if r.skipping {
			if err := r.skipLong(); err != nil {
				return c, false, err
			}
			if r.skipping { // source ended inside the long line
				return c, false, nil
			}
		}
		n := copy(buf[:limit], r.pend)
		r.pend = r.pend[:copy(r.pend, r.pend[n:])]
		for n < limit && len(r.pend) == 0 && !r.srcDone {
			m, err := r.read(buf[n:limit])
			n += m
			if err != nil {
				return c, false, err
			}
		}
		if n == 0 && r.srcDone && len(r.pend) == 0 {
			return c, false, nil
		}
		data := buf[:n]
		i := bytes.LastIndexByte(data, '\n')
		switch {
		case i >= 0:
			r.unread(data[i+1:])
			data = data[:i+1]
		case r.srcDone && len(r.pend) == 0:
			data = append(data, '\n') // the part's last line lacks one
		default:
			// One line longer than buf: collect it on its own.
			line, err := r.bigLine(data)
			if err != nil {
				return c, false, err
			}
			if line == nil {
				continue // too long: counted and skipped
			}
			data = line
		}
		var long []byte
		if len(data) > MaxLineLen+1 {
			data, long = r.cutLong(data)
		}
		c = Chunk{Data: data, Part: r.part, FirstLine: r.lineNo + 1}
		r.lineNo += int64(bytes.Count(data, nl))
		if long != nil {
			r.addLong(long)
		}
		if len(data) == 0 {
			continue
		}
		return c, true, nil
	}
}

// unread puts b back in front of the pending bytes.
func (r *Reader) unread(b []byte) {
	if len(b) == 0 {
		return
	}
	if len(r.pend) == 0 {
		r.pend = append(r.pend, b...)
		return
	}
	r.pend = append(append(make([]byte, 0, len(b)+len(r.pend)), b...), r.pend...)
}

// bigLine collects a line that starts with head and did not fit in buf. It
// returns a new slice holding the line with its '\n', or nil when the line
// is longer than MaxLineLen (then it is counted and the rest skipped).
func (r *Reader) bigLine(head []byte) ([]byte, error) {
	if len(head) > MaxLineLen {
		r.addLong(head)
		r.skipping = true
		return nil, nil
	}
	line := append(make([]byte, 0, 2*len(head)+1), head...)
	for {
		var more []byte
		if len(r.pend) > 0 {
			more = r.pend
		} else if r.srcDone {
			return append(line, '\n'), nil
		} else {
			if r.scratch == nil {
				r.scratch = make([]byte, 64<<10)
			}
			m, err := r.read(r.scratch)
			if err != nil {
				return nil, err
			}
			more = r.scratch[:m]
		}
		if i := bytes.IndexByte(more, '\n'); i >= 0 {
			line = append(line, more[:i+1]...)
			rest := more[i+1:]
			if len(r.pend) > 0 {
				r.pend = r.pend[:copy(r.pend, rest)]
			} else {
				r.pend = append(r.pend[:0], rest...)
			}
			if len(line) > MaxLineLen+1 {
				r.addLong(line)
				return nil, nil
			}
			return line, nil
		}
		line = append(line, more...)
		if len(r.pend) > 0 {
			r.pend = r.pend[:0]
		}
		if len(line) > MaxLineLen {
			r.addLong(line)
			r.skipping = true
			return nil, nil
		}
	}
}

// addLong counts one skipped long line starting with prefix.
func (r *Reader) addLong(prefix []byte) {
	r.lineNo++
	p := prefix[:min(len(prefix), longPrefixLen)]
	r.long = append(r.long, LongLine{Part: r.part, Line: r.lineNo, Prefix: bytes.Clone(p)})
}

// skipLong discards the rest of a long line up to and including its '\n'.
func (r *Reader) skipLong() error {
	for r.skipping {
		if len(r.pend) > 0 {
			if i := bytes.IndexByte(r.pend, '\n'); i >= 0 {
				r.pend = r.pend[:copy(r.pend, r.pend[i+1:])]
				r.skipping = false
				return nil
			}
			r.pend = r.pend[:0]
		}
		if r.srcDone {
			return nil
		}
		if r.scratch == nil {
			r.scratch = make([]byte, 64<<10)
		}
		m, err := r.read(r.scratch)
		if err != nil {
			return err
		}
		r.pend = append(r.pend, r.scratch[:m]...)
	}
	return nil
}

// cutLong finds the first line longer than MaxLineLen in data (whole lines).
// It returns the lines before it, counts it, and puts the lines after it back.
// When data holds no long line it is returned unchanged.
//
// Only a window of MaxLineLen+1 bytes with no '\n' can hold part of a long
// line, so it jumps from line start to the last '\n' of each window.
func (r *Reader) cutLong(data []byte) (before, long []byte) {
	p := 0
	for p+MaxLineLen < len(data) {
		q := bytes.LastIndexByte(data[p:p+MaxLineLen+1], '\n')
		if q >= 0 {
			p += q + 1
			continue
		}
		end := p + bytes.IndexByte(data[p:], '\n') // data ends in '\n'
		long = data[p:min(end, p+longPrefixLen)]
		// Keep the prefix safe from the unread below, which may reuse memory.
		long = bytes.Clone(long)
		r.unread(data[end+1:])
		return data[:p], long
	}
	return data, nil
}
