package parsers

import (
	"bytes"
	"os"
	"testing"
	"time"
)

// Benchmarks on real corpus files. Compare runs with:
//
//	go test ./parsers -run '^$' -bench 'MySQL|Fingerprint' -count 10 > new.txt && benchstat old.txt new.txt

var mysqlBenchSink int64

func benchMySQLReader(b *testing.B, rel string, mk func() EventReader) {
	data, err := os.ReadFile(mysqlCorpus(b, rel))
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(data, []byte("\n"))
	emit := func(e *Event) { mysqlBenchSink += e.Time + int64(len(e.Text)) }
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := mk()
		for n, l := range lines {
			_ = r.Feed(l, int64(n+1), emit)
		}
		r.Flush(emit)
	}
}

func BenchmarkMySQLErrorReader(b *testing.B) {
	b.Run("errlog007", func(b *testing.B) {
		benchMySQLReader(b, "percona-toolkit/errlogs/errlog007.txt", func() EventReader {
			return newMySQLErrorReader(EventOptions{Loc: time.UTC})
		})
	})
	b.Run("single-line", func(b *testing.B) {
		line := []byte("2023-10-22  0:00:35 2217 [Warning] Aborted connection 2217 to db: 'wp' user: 'wp' host: 'localhost' (Got timeout reading communication packets)")
		r := newMySQLErrorReader(EventOptions{Loc: time.UTC})
		emit := func(e *Event) { mysqlBenchSink += e.Time }
		b.SetBytes(int64(len(line)))
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = r.Feed(line, int64(i), emit)
		}
	})
}

func BenchmarkMySQLSlowReader(b *testing.B) {
	benchMySQLReader(b, "percona-toolkit/slowlogs/slow030.txt", func() EventReader {
		return newMySQLSlowReader(EventOptions{Loc: time.UTC})
	})
}

func BenchmarkFingerprint(b *testing.B) {
	q := []byte("SELECT id, img FROM products p WHERE p.status = 5 AND p.desc = 'foo' AND p.id IN (85875,326904,290144,43492,207351) ORDER BY p.id ASC LIMIT 10, 20")
	dst := make([]byte, 0, 512)
	b.SetBytes(int64(len(q)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		dst = Fingerprint(dst[:0], q)
	}
	mysqlBenchSink += int64(len(dst))
}

func BenchmarkSlowDigestAdd(b *testing.B) {
	var d SlowDigest
	ev := &Event{Type: MySQLSlowQuery, Num: [4]int64{1500, 10, 100, 1}, Text: []byte("SELECT * FROM users WHERE id = 42")}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d.Add(ev)
	}
}
