package analyzer

import "github.com/postmortem/postmortem/parsers"

// slowAgg collects MySQL slow-log records for the slow-query digest. The
// digest itself (fingerprints) belongs to the MySQL parser engineer's
// parsers.SlowDigest; until it exists the analyzer only counts records and
// says so in the report's notes.
type slowAgg struct {
	n int64
}

func newSlowAgg() *slowAgg { return &slowAgg{} }

func (s *slowAgg) add(e *parsers.Event) { s.n++ }

func (s *slowAgg) merge(o *slowAgg) { s.n += o.n }

// top returns the heaviest fingerprints and a note when none can be given.
func (s *slowAgg) top(n int) ([]QueryDigest, string) {
	if s.n == 0 {
		return nil, ""
	}
	return nil, "slow-query digest unavailable in this build: the MySQL slow log was read but not fingerprinted"
}
