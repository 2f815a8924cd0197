package analyzer

// secPageLen is how many consecutive seconds share one page.
const (
	secPageShift = 6
	secPageLen   = 1 << secPageShift
)

// secPages holds one T per Unix second in pages of secPageLen seconds: a
// day of traffic is 1,350 pages the garbage collector need not scan when T
// holds no pointers, instead of 86,400 map entries and as many objects. A
// second nothing was recorded in reads as a zero T, which every reader
// treats as nothing recorded.
type secPages[T any] struct {
	pages map[int64]*[secPageLen]T // key: floorDiv(second, secPageLen)
	// The page touched last: a record's start, end and arrival seconds
	// mostly share one.
	lastK int64
	lastP *[secPageLen]T
}

func newSecPages[T any]() secPages[T] { return secPages[T]{pages: map[int64]*[secPageLen]T{}} }

// secPageOf is floorDiv(s, secPageLen) and the index in that page (an
// arithmetic shift floors negative seconds too).
func secPageOf(s int64) (page, i int64) {
	return s >> secPageShift, s & (secPageLen - 1)
}

// at returns second s's value, making its page if needed.
func (t *secPages[T]) at(s int64) *T {
	k, i := secPageOf(s)
	if t.lastP != nil && k == t.lastK {
		return &t.lastP[i]
	}
	p := t.pages[k]
	if p == nil {
		p = new([secPageLen]T)
		t.pages[k] = p
	}
	t.lastK, t.lastP = k, p
	return &p[i]
}

// get returns second s's value, or nil when its page was never made.
func (t *secPages[T]) get(s int64) *T {
	k, i := secPageOf(s)
	if p := t.pages[k]; p != nil {
		return &p[i]
	}
	return nil
}

// empty says whether nothing was recorded.
func (t *secPages[T]) empty() bool { return len(t.pages) == 0 }

// each calls f for every second of every page, in no particular order.
func (t *secPages[T]) each(f func(s int64, v *T)) {
	for k, p := range t.pages {
		for i := range p {
			f(k*secPageLen+int64(i), &p[i])
		}
	}
}

// merge adds o's seconds to t with add, taking o's pages where t has
// none, and leaves o empty.
func (t *secPages[T]) merge(o *secPages[T], add func(dst, src *T)) {
	for k, p := range o.pages {
		q := t.pages[k]
		if q == nil {
			t.pages[k] = p
			continue
		}
		for i := range q {
			add(&q[i], &p[i])
		}
	}
	o.pages, o.lastP = map[int64]*[secPageLen]T{}, nil
}
