package sources

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// line is one delivered line with its origin.
type line struct {
	Part string
	No   int64
	Text string
}

// readAll reads in with chunks of bufSize and checks the Chunk invariants.
func readAll(t *testing.T, in *Input, bufSize int) ([]line, *Reader) {
	t.Helper()
	r, err := in.Open(context.Background())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer r.Close()
	buf := make([]byte, bufSize)
	var out []line
	for {
		c, err := r.NextChunk(buf)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("NextChunk: %v", err)
		}
		if len(c.Data) == 0 || c.Data[len(c.Data)-1] != '\n' {
			t.Fatalf("chunk does not end with a newline: %q", c.Data)
		}
		if c.EntryTimes != nil && len(c.EntryTimes) != bytes.Count(c.Data, nl) {
			t.Fatalf("EntryTimes has %d values for %d lines", len(c.EntryTimes), bytes.Count(c.Data, nl))
		}
		out = appendLines(out, c, 0)
	}
	return out, r
}

// appendLines appends the lines of c, numbered from base + c.FirstLine.
func appendLines(out []line, c Chunk, base int64) []line {
	no := base + c.FirstLine
	for _, l := range strings.SplitAfter(string(c.Data), "\n") {
		if l == "" {
			continue
		}
		out = append(out, line{c.Part, no, strings.TrimSuffix(l, "\n")})
		no++
	}
	return out
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func gz(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zst(t testing.TB, data []byte) []byte {
	var b bytes.Buffer
	w, err := zstd.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// numbered returns n lines "prefix k" for k in 1..n.
func numbered(prefix string, n int) []byte {
	var b bytes.Buffer
	for k := 1; k <= n; k++ {
		fmt.Fprintf(&b, "%s %d\n", prefix, k)
	}
	return b.Bytes()
}

func TestCompressionByMagicBytes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	plain := numbered("plain", 3)
	cases := []struct {
		name string
		data []byte
	}{
		{"plain.gz", plain},                      // a plain file named .gz
		{"gzip.txt", gz(t, numbered("gzip", 3))}, // gzip named .txt
		{"zstd.log", zst(t, numbered("zstd", 3))},
	}
	for _, c := range cases {
		writeFile(t, filepath.Join(dir, c.name), c.data)
	}
	bz, err := os.ReadFile("testdata/lines.bz2.log")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "bzip2.1"), bz) // numbered: rotation name, bzip2 content
	for _, c := range []struct{ name, first string }{
		{"plain.gz", "plain 1"},
		{"gzip.txt", "gzip 1"},
		{"zstd.log", "zstd 1"},
		{"bzip2.1", `127.0.0.1 - - [21/Nov/2024:10:00:01 +0000] "GET /bz1 HTTP/1.1" 200 12 "-" "curl"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name)
			in := &Input{Name: p, Parts: []string{p}}
			got, r := readAll(t, in, 4096)
			if len(got) != 3 || got[0].Text != c.first || got[0].No != 1 || got[2].No != 3 {
				t.Fatalf("got %+v, want 3 lines starting with %q", got, c.first)
			}
			if w := r.Warnings(); len(w) != 0 {
				t.Errorf("warnings: %q", w)
			}
		})
	}
}

func TestTruncatedArchiveKeepsLinesAndWarns(t *testing.T) {
	t.Parallel()
	// Random-looking lines so that the compressed stream is long enough to
	// cut in the middle.
	var b bytes.Buffer
	for k := 1; k <= 20000; k++ {
		fmt.Fprintf(&b, "line %d %x\n", k, uint64(k)*0x9e3779b97f4a7c15)
	}
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"cut.gz", gz(t, b.Bytes())},
		{"cut.zst", zst(t, b.Bytes())},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := filepath.Join(t.TempDir(), c.name)
			writeFile(t, p, c.data[:len(c.data)*2/3])
			got, r := readAll(t, &Input{Name: p, Parts: []string{p}}, 8192)
			if len(got) < 1000 || len(got) >= 20000 {
				t.Fatalf("got %d lines, want the lines before the cut (1000..19999)", len(got))
			}
			// Every line but possibly the cut last one is intact and in order.
			for i, l := range got[:len(got)-1] {
				if want := fmt.Sprintf("line %d %x", i+1, uint64(i+1)*0x9e3779b97f4a7c15); l.Text != want || l.No != int64(i+1) {
					t.Fatalf("line %d = %+v, want %q", i+1, l, want)
				}
			}
			w := r.Warnings()
			if len(w) != 1 || !strings.Contains(w[0], p) || !strings.Contains(w[0], "truncated or corrupt") {
				t.Fatalf("warnings = %q, want one naming %s", w, p)
			}
		})
	}
}

func TestLongLinesCounted(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", MaxLineLen+10)
	fits := strings.Repeat("y", MaxLineLen) // exactly the limit: delivered
	data := "first\n" + long + "\nsecond\n" + fits + "\n" + long + "\nthird"
	p := filepath.Join(t.TempDir(), "long.log")
	writeFile(t, p, []byte(data))
	for _, size := range []int{100, 64 << 10, 4 << 20} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			got, r := readAll(t, &Input{Name: p, Parts: []string{p}}, size)
			want := []line{{p, 1, "first"}, {p, 3, "second"}, {p, 4, fits}, {p, 6, "third"}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("lines (-want +got):\n%.500s", diff)
			}
			ll := r.LongLines()
			if len(ll) != 2 || ll[0].Line != 2 || ll[1].Line != 5 || ll[0].Part != p ||
				string(ll[0].Prefix) != strings.Repeat("x", 200) {
				t.Errorf("long lines = %+v, want lines 2 and 5 with a 200-byte prefix", ll)
			}
		})
	}
}

func TestCRLFDeliveredAsIs(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "crlf.log")
	writeFile(t, p, []byte("a\r\nb\r\n\r\nc"))
	got, _ := readAll(t, &Input{Name: p, Parts: []string{p}}, 3)
	want := []line{{p, 1, "a\r"}, {p, 2, "b\r"}, {p, 3, "\r"}, {p, 4, "c"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	head, err := (&Input{Name: p, Parts: []string{p}}).Head(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, strs(head)); diff != "" {
		t.Errorf("Head strips CRLF and skips empty lines (-want +got):\n%s", diff)
	}
}

func strs(b [][]byte) []string {
	var s []string
	for _, x := range b {
		s = append(s, string(x))
	}
	return s
}

func TestChunkBoundariesAnyBufferSize(t *testing.T) {
	t.Parallel()
	data := numbered("request", 5000)
	p := filepath.Join(t.TempDir(), "a.log")
	writeFile(t, p, data)
	for _, size := range []int{2, 7, 64, 1000, 1 << 20} {
		got, _ := readAll(t, &Input{Name: p, Parts: []string{p}}, size)
		if len(got) != 5000 {
			t.Fatalf("buf %d: %d lines, want 5000", size, len(got))
		}
		for i, l := range got {
			if l.No != int64(i+1) || l.Text != fmt.Sprintf("request %d", i+1) {
				t.Fatalf("buf %d: line %d = %+v", size, i+1, l)
			}
		}
	}
}

func TestStdinHeadThenOpen(t *testing.T) {
	t.Parallel()
	data := numbered("stdin", 30000) // more than Head reads
	for _, c := range []struct {
		name string
		data []byte
	}{{"plain", data}, {"gzip", gz(t, data)}} {
		t.Run(c.name, func(t *testing.T) {
			ins, err := ExpandStdin([]string{"-"}, bytes.NewReader(c.data))
			if err != nil {
				t.Fatal(err)
			}
			in := &ins[0]
			if in.Name != StdinName {
				t.Errorf("Name = %q", in.Name)
			}
			for range 2 { // Head twice: both see the start
				head, err := in.Head(context.Background(), 2)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]string{"stdin 1", "stdin 2"}, strs(head)); diff != "" {
					t.Fatalf("Head (-want +got):\n%s", diff)
				}
			}
			got, _ := readAll(t, in, 4096)
			if len(got) != 30000 || got[0].Text != "stdin 1" || got[29999].Text != "stdin 30000" {
				t.Fatalf("got %d lines (%+v ...)", len(got), got[:1])
			}
			if _, err := in.Open(context.Background()); err == nil {
				t.Error("second Open of stdin succeeded")
			}
		})
	}
}

func TestHeadDoesNotConsume(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.log.1"), []byte("\n\nold 1\n"))
	writeFile(t, filepath.Join(dir, "x.log"), []byte("new 1\nnew 2\n"))
	ins, err := Expand([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	head, err := ins[0].Head(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"old 1", "new 1"}, strs(head)); diff != "" {
		t.Errorf("Head across parts (-want +got):\n%s", diff)
	}
	got, _ := readAll(t, &ins[0], 1024)
	if len(got) != 5 {
		t.Errorf("after Head, read %d lines, want 5", len(got))
	}
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "a.log")
	writeFile(t, p, numbered("x", 10))
	ctx, cancel := context.WithCancel(context.Background())
	r, err := (&Input{Name: p, Parts: []string{p}}).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	if _, err := r.NextChunk(make([]byte, 100)); err != context.Canceled {
		t.Errorf("NextChunk after cancel = %v, want context.Canceled", err)
	}
}

func TestUnreadableArchiveSkippedWithWarning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "x.log.2.gz")
	writeFile(t, bad, []byte{0x1f, 0x8b, 0xff, 0xff, 0, 0, 0, 0, 0, 0}) // gzip magic, bad header
	xz := filepath.Join(dir, "x.log.1")
	writeFile(t, xz, []byte{0xfd, '7', 'z', 'X', 'Z', 0, 1, 2})
	cur := filepath.Join(dir, "x.log")
	writeFile(t, cur, []byte("kept\n"))
	ins, err := Expand([]string{filepath.Join(dir, "x.log*")})
	if err != nil {
		t.Fatal(err)
	}
	got, r := readAll(t, &ins[0], 1024)
	if diff := cmp.Diff([]line{{cur, 1, "kept"}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	w := r.Warnings()
	if len(w) != 2 || !strings.HasPrefix(w[0], bad+": unreadable gzip data") || !strings.HasPrefix(w[1], xz+": unreadable xz data, skipped: xz is not supported") {
		t.Errorf("warnings %q", w)
	}
}
