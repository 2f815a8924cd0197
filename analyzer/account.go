package analyzer

// CountParsed counts n lines of input as parsed that belong to no record:
// the blank separators and repeated server banners that multi-line readers
// (slow logs) absorb between records. With it, every physical line handed
// to the analyzer is counted once, as parsed or skipped.
func (a *Aggregator) CountParsed(input int, n int64) {
	if n > 0 {
		a.input(input).parsed += n
	}
}

// ShiftLines adds delta to the line numbers recorded for input's access
// records and skipped lines. A worker that read a shard of a file (lines
// numbered from the shard's start) is shifted by the lines of the shards
// before it, once they are known, and then merged.
func (a *Aggregator) ShiftLines(input int, delta int64) {
	if delta == 0 {
		return
	}
	if input < len(a.inputs) {
		for _, s := range a.inputs[input].skips {
			for i := range s.samples {
				s.samples[i].Line += delta
			}
		}
	}
	for i := range a.w.writes {
		if w := &a.w.writes[i]; int(w.input) == input {
			w.line += delta
		}
	}
}
