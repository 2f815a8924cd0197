package sources

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
)

// headBufSize is the chunk size Head reads with.
const headBufSize = 64 << 10

// Head returns the first n non-empty lines of the input, without their
// line ending ("\n" or "\r\n"), for format sniffing. It does not consume
// the input: Open still starts at the first line, also for stdin, whose
// bytes read here are kept and replayed.
func (in *Input) Head(ctx context.Context, n int) ([][]byte, error) {
	var r *Reader
	var err error
	if in.stdin != nil {
		r, err = in.stdin.headReader(ctx, in.Name)
	} else {
		r, err = in.Open(ctx)
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	buf := make([]byte, headBufSize)
	var lines [][]byte
	for len(lines) < n {
		c, err := r.NextChunk(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			return lines, err
		}
		for data := c.Data; len(data) > 0 && len(lines) < n; {
			i := bytes.IndexByte(data, '\n')
			line := data[:i]
			data = data[i+1:]
			line = bytes.TrimSuffix(line, []byte{'\r'})
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			lines = append(lines, bytes.Clone(line))
		}
	}
	return lines, nil
}

// stdinState lets stdin be sniffed by Head and then read once by Open.
type stdinState struct {
	mu     sync.Mutex
	r      io.Reader
	replay []byte // raw bytes Head took from r
	opened bool
}

var errStdinTwice = errors.New("stdin: can be read only once")

// open returns stdin from its first byte: the replayed bytes, then the rest.
func (s *stdinState) open() (io.Reader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opened {
		return nil, errStdinTwice
	}
	s.opened = true
	replay := s.replay
	s.replay = nil
	if len(replay) == 0 {
		return s.r, nil
	}
	return io.MultiReader(bytes.NewReader(replay), s.r), nil
}

// headReader returns a Reader over stdin that records the raw bytes it
// takes, so that a later open replays them.
func (s *stdinState) headReader(ctx context.Context, name string) (*Reader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opened {
		return nil, errStdinTwice
	}
	src := io.MultiReader(bytes.NewReader(s.replay), &recorder{s: s})
	r := &Reader{ctx: ctx, segs: []segment{{part: name}}}
	if err := r.startSegment(src, nil); err != nil {
		return nil, err
	}
	return r, nil
}

// recorder reads stdin and keeps what it read in replay.
type recorder struct{ s *stdinState }

func (rc *recorder) Read(p []byte) (int, error) {
	n, err := rc.s.r.Read(p)
	rc.s.replay = append(rc.s.replay, p[:n]...)
	return n, err
}
