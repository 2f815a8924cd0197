package analyzer

// secPageLen is how many consecutive seconds share one page of secStat.
const secPageLen = 64

// secPage is the secStat of secPageLen consecutive seconds (6 KB).
type secPage [secPageLen]secStat

// secTable holds one secStat per Unix second in pages of secPageLen
// seconds: a day of traffic is 1,350 pointer-free pages (8 MB) the garbage
// collector need not scan, instead of 86,400 map entries and objects. A
// second without a record reads as a zero secStat, which every reader
// treats as no record.
type secTable struct {
	pages map[int64]*secPage // key: floorDiv(second, secPageLen)
}

func newSecTable() secTable { return secTable{pages: map[int64]*secPage{}} }

func secPageOf(s int64) (page, i int64) {
	page = floorDiv(s, secPageLen)
	return page, s - page*secPageLen
}

// at returns second s's secStat, making its page if needed.
func (t *secTable) at(s int64) *secStat {
	k, i := secPageOf(s)
	p := t.pages[k]
	if p == nil {
		p = &secPage{}
		t.pages[k] = p
	}
	return &p[i]
}

// get returns second s's secStat, or nil when its page was never made.
func (t *secTable) get(s int64) *secStat {
	k, i := secPageOf(s)
	if p := t.pages[k]; p != nil {
		return &p[i]
	}
	return nil
}

// each calls f for every second of every page, in no particular order.
func (t *secTable) each(f func(s int64, st *secStat)) {
	for k, p := range t.pages {
		for i := range p {
			f(k*secPageLen+int64(i), &p[i])
		}
	}
}

// merge adds o's seconds to t, taking o's pages where t has none.
func (t *secTable) merge(o *secTable) {
	for k, p := range o.pages {
		q := t.pages[k]
		if q == nil {
			t.pages[k] = p
			continue
		}
		for i := range q {
			q[i].add(&p[i])
		}
	}
	o.pages = map[int64]*secPage{}
}
