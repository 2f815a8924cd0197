package analyzer

import "github.com/postmortem/postmortem/parsers"

// slowAgg collects MySQL slow-log records into the MySQL parser's
// parsers.SlowDigest (pt-query-digest's per-fingerprint profile; bounded to
// 10,000 fingerprints, mergeable in any order).
type slowAgg struct {
	d parsers.SlowDigest
	n int64
}

func newSlowAgg() *slowAgg { return &slowAgg{} }

func (s *slowAgg) add(e *parsers.Event) {
	s.n++
	s.d.Add(e)
}

func (s *slowAgg) merge(o *slowAgg) {
	s.n += o.n
	s.d.Merge(&o.d)
}

// top returns the n fingerprints with the most total query time.
func (s *slowAgg) top(n int) []QueryDigest {
	rows := s.d.Top(n)
	out := make([]QueryDigest, 0, len(rows))
	for _, r := range rows {
		out = append(out, QueryDigest{Fingerprint: r.Fingerprint, Count: r.Count, TotalS: r.TotalS, MeanS: r.MeanS,
			P95S: r.P95S, RowsExamined: r.RowsExamined, Example: r.Example})
	}
	return out
}
