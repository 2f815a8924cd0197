package sources

import (
	"bytes"
	"context"
	"io"
	"os"
)

// OpenShards splits an input that is one plain (uncompressed) regular file
// of at least minSize bytes into n Readers over disjoint runs of whole
// lines, to be read concurrently: shard k holds the lines that start in
// bytes [k·size/n, (k+1)·size/n) of the file, the last shard reads to its
// end. Each worker then sees one stretch of the log's time, not every n-th
// block of all of it.
//
// Line numbers in a shard's chunks (Chunk.FirstLine, LongLine.Line) count
// from the shard's own start; after a shard's io.EOF, Reader.Lines is its
// line count, and the caller adds the counts of the shards before it.
//
// It returns nil and no error when the input cannot be split: stdin, Loki,
// several parts, a compressed or small file, or n < 2.
func (in *Input) OpenShards(ctx context.Context, n int, minSize int64) ([]*Reader, error) {
	if n < 2 || in.stdin != nil || in.loki != nil || len(in.Parts) != 1 {
		return nil, nil
	}
	path := in.Parts[0]
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() < minSize {
		return nil, nil
	}
	var magic [6]byte
	m, _ := io.ReadFull(f, magic[:])
	if compression(magic[:m]) != "" {
		return nil, nil
	}
	size := st.Size()
	rs := make([]*Reader, n)
	for k := range n {
		from, to := size*int64(k)/int64(n), size*int64(k+1)/int64(n)
		if k == n-1 {
			to = -1 // a log still being written: read what is there at the end
		}
		rs[k] = &Reader{ctx: ctx, segs: []segment{{part: path, path: path, shard: true, from: from, to: to}}}
	}
	return rs, nil
}

// rangeReader reads the lines of f that start in [from, to): it drops the
// tail of the line running into from (that line belongs to the shard
// before) and runs past to until the line it is in ends.
type rangeReader struct {
	f        *os.File
	pos, to  int64
	skipping bool // before the first line start
	done     bool
}

func newRangeReader(f *os.File, from, to int64) *rangeReader {
	r := &rangeReader{f: f, pos: from, to: to}
	if from > 0 {
		// A line starts at from when the byte before it ends a line:
		// read from there and drop through the first '\n'.
		r.pos, r.skipping = from-1, true
	}
	return r
}

func (r *rangeReader) Read(p []byte) (int, error) {
	for !r.done {
		n, err := r.f.ReadAt(p, r.pos)
		if n == 0 {
			if err == nil {
				err = io.ErrNoProgress
			}
			return 0, err // io.EOF at the end of the file
		}
		b := p[:n]
		if r.skipping {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				r.pos += int64(n)
				continue
			}
			r.skipping = false
			r.pos += int64(i + 1)
			// The first whole line starts at or after to: it is the next
			// shard's (the line before ran past the whole range).
			r.done = r.to >= 0 && r.pos >= r.to
			continue
		}
		if r.to >= 0 {
			// Deliver through the first '\n' at or after to−1: the end
			// of the last line that starts before to.
			if s := max(r.to-1-r.pos, 0); s < int64(n) {
				if i := bytes.IndexByte(b[s:], '\n'); i >= 0 {
					n = int(s) + i + 1
					r.done = true
				}
			}
		}
		r.pos += int64(n)
		return n, nil
	}
	return 0, io.EOF
}
