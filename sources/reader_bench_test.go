package sources

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"testing"
)

var chunkSink int

// BenchmarkNextChunk measures chunk throughput on a ~64 MB combined log,
// plain, gzip and zstd. Compare runs with
//
//	go test ./sources -run '^$' -bench NextChunk -count 6 > new.txt; benchstat old.txt new.txt
func BenchmarkNextChunk(b *testing.B) {
	var data bytes.Buffer
	for i := 0; data.Len() < 64<<20; i++ {
		fmt.Fprintf(&data, "203.0.113.%d - - [21/Nov/2024:10:%02d:%02d +0000] \"GET /post/%d?utm_source=facebook HTTP/1.1\" %d %d \"https://l.facebook.com/\" \"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) [FBAN/FBIOS;FBAV/441.0]\" 0.%03d\n",
			i%250, i/60%60, i%60, i%5000, 200+i%7*50, 1000+i%9000, i%1000)
	}
	dir := b.TempDir()
	for _, c := range []struct {
		name string
		data []byte
	}{{"plain", data.Bytes()}, {"gzip", gz(b, data.Bytes())}, {"zstd", zst(b, data.Bytes())}} {
		p := filepath.Join(dir, c.name)
		writeFile(b, p, c.data)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(data.Len()))
			b.ReportAllocs()
			buf := make([]byte, 1<<20)
			for b.Loop() {
				r, err := (&Input{Name: p, Parts: []string{p}}).Open(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				for {
					c, err := r.NextChunk(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					chunkSink += len(c.Data)
				}
				r.Close()
			}
		})
	}
}
