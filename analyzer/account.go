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
