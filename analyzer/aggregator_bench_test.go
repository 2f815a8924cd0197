package analyzer

import (
	"testing"

	"github.com/postmortem/postmortem/parsers"
)

// BenchmarkAddAccess measures the aggregation cost per access record on the
// synthetic viral mix (bytes are the access lines the records stand for,
// ~250 B each, so MB/s compares with the parsers' figures).
//
//	go test ./analyzer -run '^$' -bench AddAccess -benchmem
func BenchmarkAddAccess(b *testing.B) {
	recs, _ := genViral(viralSpec{seconds: 600, baseRPS: 3, surgeFrom: 100, surgeTo: 600, surgeRPS: 100, satFrom: 200, killAt: 400, relapseAt: 450, recoverAt: 550, pool: 20, errShare: 0.3}, 1)
	rs := make([]parsers.Access, len(recs))
	for i := range recs {
		rs[i] = recs[i].record()
	}
	a := NewAggregator(nil)
	b.SetBytes(250)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.AddAccess(0, int64(i), &rs[i%len(rs)])
	}
}
