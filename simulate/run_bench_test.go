package simulate

import (
	"testing"
	"time"
)

// BenchmarkRunViral measures the simulator on ten minutes of the viral
// surge (the saturated part), in access lines written per second.
//
//	go test ./simulate -run '^$' -bench RunViral -benchtime 3x
//
// The 24 h figure of the README comes from:
//
//	time ./bin/loggen --scenario viral --duration 24h --out /tmp/big
func BenchmarkRunViral(b *testing.B) {
	sc, _ := Lookup("viral")
	sc.Start = 10*time.Hour + 3*time.Minute
	sc.Duration = 10 * time.Minute
	var lines int64
	for i := 0; i < b.N; i++ {
		tr, err := Run(sc, uint64(i), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		lines += tr.Requests.Total
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
}
