package sources

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readShards reads every shard of in, numbering each shard's lines after
// the line counts of the shards before it, as the pipeline does.
func readShards(t *testing.T, rs []*Reader, bufSize int) (lines []line, long []LongLine) {
	t.Helper()
	buf := make([]byte, bufSize)
	var base int64
	for _, r := range rs {
		for {
			c, err := r.NextChunk(buf)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("NextChunk: %v", err)
			}
			lines = appendLines(lines, c, base)
		}
		for _, l := range r.LongLines() {
			l.Line += base
			long = append(long, l)
		}
		base += r.Lines()
		r.Close()
	}
	return lines, long
}

// TestShardsCoverEveryLineOnce: whatever the shard count, buffer size and
// where the cuts fall (inside a line, on a '\n', inside a line over 1 MiB),
// the shards together deliver exactly the lines, numbers and long lines a
// single Reader does.
func TestShardsCoverEveryLineOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	for i := range 3000 {
		switch {
		case i == 1500:
			b.WriteString(strings.Repeat("L", MaxLineLen+10) + "\n") // skipped as too long
		case i%97 == 0:
			b.WriteString("\n") // empty line
		case i%89 == 0:
			b.WriteString("crlf line\r\n")
		default:
			b.WriteString(strings.Repeat("x", rng.IntN(300)) + "\n")
		}
	}
	b.WriteString("last line without newline")
	path := filepath.Join(t.TempDir(), "access.log")
	writeFile(t, path, b.Bytes())
	in := &Input{Name: path, Parts: []string{path}}
	want, r := readAll(t, in, 64<<10)
	wantLong := r.LongLines()
	for _, n := range []int{2, 3, 4, 7, 16} {
		for _, bufSize := range []int{4 << 10, 64 << 10, 1 << 20} {
			rs, err := in.OpenShards(context.Background(), n, 0)
			if err != nil || len(rs) != n {
				t.Fatalf("OpenShards(%d) = %d readers, %v", n, len(rs), err)
			}
			got, gotLong := readShards(t, rs, bufSize)
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("n=%d buf=%d: lines differ (-single +shards):\n%.2000s", n, bufSize, d)
			}
			if d := cmp.Diff(wantLong, gotLong); d != "" {
				t.Fatalf("n=%d buf=%d: long lines differ:\n%s", n, bufSize, d)
			}
		}
	}
}

// TestShardCutOnLineStart: a cut exactly at a line start gives that line to
// the later shard, a cut right after it to the earlier one.
func TestShardCutOnLineStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	writeFile(t, path, []byte("aaa\nbbb\nccc\nddd\n")) // 16 bytes: cut at 8 = start of "ccc"
	in := &Input{Name: path, Parts: []string{path}}
	rs, err := in.OpenShards(context.Background(), 2, 0)
	if err != nil {
		t.Fatal(err)
	}
	var per [][]string
	for _, r := range rs {
		got, _ := readShards(t, []*Reader{r}, 1024)
		var texts []string
		for _, l := range got {
			texts = append(texts, l.Text)
		}
		per = append(per, texts)
	}
	if d := cmp.Diff([][]string{{"aaa", "bbb"}, {"ccc", "ddd"}}, per); d != "" {
		t.Fatalf("shards (-want +got):\n%s", d)
	}
}

// TestShardsOnlyForOnePlainFile: compressed files, small files, rotated sets
// and stdin are read whole.
func TestShardsOnlyForOnePlainFile(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.log")
	writeFile(t, plain, numbered("line", 1000))
	zipped := filepath.Join(dir, "zipped.log")
	writeFile(t, zipped, gz(t, numbered("line", 1000)))
	cases := []struct {
		name string
		in   *Input
		min  int64
		n    int
	}{
		{"gzip", &Input{Name: zipped, Parts: []string{zipped}}, 0, 2},
		{"small", &Input{Name: plain, Parts: []string{plain}}, 1 << 20, 2},
		{"rotated set", &Input{Name: plain, Parts: []string{zipped, plain}}, 0, 2},
		{"one worker", &Input{Name: plain, Parts: []string{plain}}, 0, 1},
	}
	for _, c := range cases {
		rs, err := c.in.OpenShards(context.Background(), c.n, c.min)
		if err != nil || rs != nil {
			t.Errorf("%s: OpenShards = %d readers, %v; want none", c.name, len(rs), err)
		}
	}
	if _, err := (&Input{Name: "x", Parts: []string{filepath.Join(dir, "missing")}}).OpenShards(context.Background(), 2, 0); err == nil {
		t.Error("missing file: no error")
	}
}
