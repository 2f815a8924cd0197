package sources

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"sync"
)

// spoolFile is an unlinked temporary file that Loki results are appended to
// by one shard. Readers use ReadAt, so any number of them can share it; the
// disk space is freed when the process ends or the file is garbage-collected.
type spoolFile struct {
	f   *os.File
	off int64
	buf []byte
}

func newSpoolFile(dir string) (*spoolFile, error) {
	f, err := os.CreateTemp(dir, "postmortem-loki-*.spool")
	if err != nil {
		return nil, fmt.Errorf("loki spool: %w", err)
	}
	os.Remove(f.Name()) // unlinked: nothing to clean up
	return &spoolFile{f: f}, nil
}

// appendLines writes lines (each entry split at '\n' into physical lines)
// and their timestamps, and returns the segment describing them.
func (s *spoolFile) appendLines(part string, times []int64, lines []string) (segment, error) {
	s.buf = s.buf[:0]
	var ts []int64
	for i, l := range lines {
		l = trimOneNewline(l)
		s.buf = append(s.buf, l...)
		s.buf = append(s.buf, '\n')
		for range bytes.Count([]byte(l), nl) + 1 {
			ts = append(ts, times[i])
		}
	}
	seg := segment{part: part, spool: s.f, off: s.off, n: int64(len(s.buf))}
	for _, t := range ts {
		s.buf = binary.LittleEndian.AppendUint64(s.buf, uint64(t))
	}
	seg.tsOff = seg.off + seg.n
	if _, err := s.f.WriteAt(s.buf, s.off); err != nil {
		return segment{}, fmt.Errorf("loki spool: %w", err)
	}
	s.off += int64(len(s.buf))
	return seg, nil
}

func trimOneNewline(l string) string {
	if n := len(l); n > 0 && l[n-1] == '\n' {
		return l[:n-1]
	}
	return l
}

// lokiSpool is the spooled result of one Loki stream: its segments in time
// order, possibly spread over several shards' files.
type lokiSpool struct {
	mu   sync.Mutex
	segs []segment
}

func (s *lokiSpool) segments() []segment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]segment(nil), s.segs...)
}

// spoolTimes reads the Loki timestamps of the lines of c.
func (r *Reader) spoolTimes(c Chunk) ([]int64, error) {
	k := bytes.Count(c.Data, nl)
	idx := c.FirstLine - 1 - r.segBase
	raw := make([]byte, 8*k)
	if _, err := r.seg.spool.ReadAt(raw, r.seg.tsOff+8*idx); err != nil {
		return nil, fmt.Errorf("read loki spool for %s: %w", r.seg.part, err)
	}
	times := make([]int64, k)
	for i := range times {
		times[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
	}
	return times, nil
}
