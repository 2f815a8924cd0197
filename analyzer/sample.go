package analyzer

// sampleKeyer is a record of a sampled set: the hash of its key, whose top
// bits decide whether the record is in a sample.
type sampleKeyer interface{ sampleKey() uint64 }

// sampled is a set of records capped at limit. When it reaches the cap the
// sample rate halves (shift grows) and only records whose key hash starts
// with shift zero bits stay: whole keys at a time, the same ones whatever
// the order of adds and merges, so merging stays commutative and memory
// stays bounded by limit records.
type sampled[R sampleKeyer] struct {
	recs  []R
	shift uint // keep keys whose hash>>(64-shift)==0: a rate of 2^-shift
	limit int
}

// sampleKeep says whether key hash h is in the sample at shift s.
func sampleKeep(h uint64, s uint) bool { return s == 0 || h>>(64-s) == 0 }

// keeps says whether a record with key hash h belongs in the sample now.
func (s *sampled[R]) keeps(h uint64) bool { return sampleKeep(h, s.shift) }

// add appends r, whose key the caller checked with keeps, and halves the
// rate when the cap is reached.
func (s *sampled[R]) add(r R) {
	s.recs = append(s.recs, r)
	if len(s.recs) >= s.limit {
		s.shrink(s.shift + 1)
	}
}

// shrink raises the shift to at least to, and further while the cap binds.
func (s *sampled[R]) shrink(to uint) {
	for len(s.recs) >= s.limit || s.shift < to {
		s.shift++
		n := 0
		for _, r := range s.recs {
			if sampleKeep(r.sampleKey(), s.shift) {
				s.recs[n] = r
				n++
			}
		}
		s.recs = s.recs[:n]
	}
}

// merge moves o's records into s at the smallest sample rate at which both
// fit, found before appending so the slice never grows past the cap; o is
// left empty.
func (s *sampled[R]) merge(o *sampled[R]) {
	if len(s.recs) == 0 && s.shift <= o.shift {
		// Adopt o's records instead of copying them: o is done.
		s.recs, s.shift, o.recs = o.recs, o.shift, nil
		return
	}
	to := max(s.shift, o.shift)
	for ; to < 64; to++ {
		n := 0
		for _, r := range s.recs {
			if sampleKeep(r.sampleKey(), to) {
				n++
			}
		}
		for _, r := range o.recs {
			if sampleKeep(r.sampleKey(), to) {
				n++
			}
		}
		if n < s.limit {
			break
		}
	}
	s.shrink(to)
	for _, r := range o.recs {
		if sampleKeep(r.sampleKey(), s.shift) {
			s.recs = append(s.recs, r)
		}
	}
	o.recs = nil
}
