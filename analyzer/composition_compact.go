package analyzer

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
)

// A counter of a finished minute is sealed: compact turns its maps into
// compactKeys, about 4 bytes a key for IPv4 addresses and prefixes, 10–18
// for IPv6, the text plus 2 for strings (instead of 15–70 in a map), and
// drops the maps. Every read works on either form with the same results;
// every write that needs a kept key's slot reopens the counter first
// (rebuilding the maps), and a merge into a sealed counter builds the
// sealed result directly. A key the threshold does not admit is counted in
// other without reopening.

// compactKeys is the keys of a sealed counter and their counts, in one
// string of three sections, each sorted by key and varint-encoded:
//
//	strings: len, bytes, count                   (string order)
//	num:     key − previous key, count           (uint32 order)
//	wide:    a byte, 1 when every key is a /64 prefix; then per key
//	         hi − previous hi; lo as 8 bytes, or lo − previous lo when hi
//	         repeats, or nothing for prefixes; count
//
// Reads walk a section from its start: every use of a counter (each,
// counts, merge, reopen) is a scan.
type compactKeys struct {
	s                 string
	nStr, nNum, nWide int32
	numAt, wideAt     int32 // offsets of the num and wide sections in s
}

// Sorted entries of one key kind, as compact encodes them.
type (
	strKV struct {
		k string
		n int64
	}
	numKV  = uint64 // key<<32 | count: sorting the values sorts the keys
	wideKV struct {
		k [2]uint64
		n int64
	}
)

// compactBuf is scratch space for compact, reused between calls.
type compactBuf struct {
	b     []byte
	strs  []strKV
	nums  []numKV
	wides []wideKV
}

// sealed reports whether c is in its compact form.
func (c *counter) sealed() bool { return c.z != nil }

// compact seals c: its keys move to a compactKeys and the maps are
// dropped. b may be nil.
func (c *counter) compact(b *compactBuf) {
	if c.z != nil {
		return
	}
	if b == nil {
		b = &compactBuf{}
	}
	b.strs, b.nums, b.wides = c.sorted(b.strs[:0], b.nums[:0], b.wides[:0])
	c.z, b.b = encodeKeys(b.b[:0], b.strs, b.nums, b.wides)
	clear(b.strs) // the keys are copied: let the map's strings go
	c.m, c.num, c.wide = nil, nil, nil
}

// reopen turns a sealed c back into maps.
func (c *counter) reopen() {
	z := c.z
	c.z = nil
	c.m = make(map[string]*cell, z.nStr)
	// The keys keep the old encoding alive until c is compacted again.
	z.eachStr(func(k string, n int64) { c.m[k] = &cell{n: n, h: fnv64s(k)} })
	if z.nNum > 0 {
		c.num = make(map[uint32]uint32, z.nNum)
		z.eachNum(func(k, n uint32) { c.num[k] = n })
	}
	if z.nWide > 0 {
		c.wide = make(map[[2]uint64]int64, z.nWide)
		z.eachWide(func(k [2]uint64, n int64) { c.wide[k] = n })
	}
}

// sorted appends c's keys, sorted, to strs, nums and wides.
func (c *counter) sorted(strs []strKV, nums []numKV, wides []wideKV) ([]strKV, []numKV, []wideKV) {
	if z := c.z; z != nil {
		z.eachStr(func(k string, n int64) { strs = append(strs, strKV{k, n}) })
		z.eachNum(func(k, n uint32) { nums = append(nums, uint64(k)<<32|uint64(n)) })
		z.eachWide(func(k [2]uint64, n int64) { wides = append(wides, wideKV{k, n}) })
		return strs, nums, wides
	}
	s0, n0, w0 := len(strs), len(nums), len(wides)
	for k, p := range c.m {
		strs = append(strs, strKV{k, p.n})
	}
	for k, n := range c.num {
		nums = append(nums, uint64(k)<<32|uint64(n))
	}
	for k, n := range c.wide {
		wides = append(wides, wideKV{k, n})
	}
	slices.SortFunc(strs[s0:], func(a, b strKV) int { return strings.Compare(a.k, b.k) })
	slices.Sort(nums[n0:])
	slices.SortFunc(wides[w0:], func(a, b wideKV) int { return cmpWide(a.k, b.k) })
	return strs, nums, wides
}

func cmpWide(a, b [2]uint64) int {
	if c := cmp.Compare(a[0], b[0]); c != 0 {
		return c
	}
	return cmp.Compare(a[1], b[1])
}

// mergeSealed adds o into the sealed c and leaves c sealed: the union of
// the keys, filtered by the threshold as merge's drop and shrink would.
// o's num keys must be of c's numTag (or none).
func (c *counter) mergeSealed(o *counter) {
	cs, cn, cw := c.sorted(nil, nil, nil)
	os, on, ow := o.sorted(nil, nil, nil)
	strs := joinSorted(cs, os, func(a, b strKV) int { return strings.Compare(a.k, b.k) },
		func(a, b strKV) strKV { return strKV{a.k, a.n + b.n} })
	nums := joinSorted(cn, on, func(a, b numKV) int { return cmp.Compare(a>>32, b>>32) },
		func(a, b numKV) numKV { return a&^0xffffffff | uint64(uint32(a)+uint32(b)) })
	wides := joinSorted(cw, ow, func(a, b wideKV) int { return cmpWide(a.k, b.k) },
		func(a, b wideKV) wideKV { return wideKV{a.k, a.n + b.n} })
	c.other += o.other
	c.shift = max(c.shift, o.shift)
	if total := len(strs) + len(nums) + len(wides); c.shift > 0 || total > c.cap {
		// A key is admitted at shift s exactly when its hash has at least
		// s leading zeros: the smallest shift not below c.shift that
		// admits at most cap keys is the one shrink would reach.
		lz := make([]uint8, 0, total)
		var atLeast [66]int // atLeast[s]: keys with ≥ s leading zeros
		var buf [48]byte
		note := func(h uint64) {
			z := bits.LeadingZeros64(h)
			lz = append(lz, uint8(z))
			atLeast[z]++
		}
		for _, e := range strs {
			note(fnv64s(e.k))
		}
		for _, e := range nums {
			note(fnv64(appendAddr(buf[:0], c.numTag|e>>32)))
		}
		for _, e := range wides {
			note(fnv64(appendAddr6(buf[:0], e.k)))
		}
		for s := 63; s >= 0; s-- {
			atLeast[s] += atLeast[s+1]
		}
		for atLeast[c.shift] > c.cap && c.shift < 64 {
			c.shift++
		}
		ls, ln := len(strs), len(strs)+len(nums)
		strs = admitted(c, strs, lz, func(e strKV) int64 { return e.n })
		nums = admitted(c, nums, lz[ls:], func(e numKV) int64 { return int64(uint32(e)) })
		wides = admitted(c, wides, lz[ln:], func(e wideKV) int64 { return e.n })
	}
	c.z, _ = encodeKeys(nil, strs, nums, wides)
}

// admitted returns the entries of es whose hash has at least c.shift
// leading zeros (lz, in the order of es), counting the others in c.other.
func admitted[E any](c *counter, es []E, lz []uint8, n func(E) int64) []E {
	if c.shift == 0 {
		return es
	}
	out := es[:0]
	for i, e := range es {
		if uint(lz[i]) >= c.shift {
			out = append(out, e)
		} else {
			c.other += n(e)
		}
	}
	return out
}

// joinSorted merges the sorted a and b into one sorted slice, combining
// the entries both have with sum.
func joinSorted[E any](a, b []E, compare func(x, y E) int, sum func(x, y E) E) []E {
	out := make([]E, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		switch c := compare(a[0], b[0]); {
		case c < 0:
			out, a = append(out, a[0]), a[1:]
		case c > 0:
			out, b = append(out, b[0]), b[1:]
		default:
			out, a, b = append(out, sum(a[0], b[0])), a[1:], b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// encodeKeys encodes the sorted keys, using buf as scratch, and returns
// buf for reuse.
func encodeKeys(buf []byte, strs []strKV, nums []numKV, wides []wideKV) (*compactKeys, []byte) {
	z := &compactKeys{nStr: int32(len(strs)), nNum: int32(len(nums)), nWide: int32(len(wides))}
	for _, e := range strs {
		buf = binary.AppendUvarint(buf, uint64(len(e.k)))
		buf = append(buf, e.k...)
		buf = binary.AppendUvarint(buf, uint64(e.n))
	}
	z.numAt = int32(len(buf))
	var prev uint64
	for _, e := range nums {
		buf = binary.AppendUvarint(buf, e>>32-prev)
		buf = binary.AppendUvarint(buf, uint64(uint32(e)))
		prev = e >> 32
	}
	z.wideAt = int32(len(buf))
	if len(wides) > 0 {
		p64 := !slices.ContainsFunc(wides, func(e wideKV) bool { return e.k[1] != ^uint64(0) })
		buf = append(buf, boolByte(p64))
		var hi, lo uint64
		for i, e := range wides {
			buf = binary.AppendUvarint(buf, e.k[0]-hi)
			switch {
			case p64:
			case i > 0 && e.k[0] == hi:
				buf = binary.AppendUvarint(buf, e.k[1]-lo)
			default:
				buf = binary.LittleEndian.AppendUint64(buf, e.k[1])
			}
			hi, lo = e.k[0], e.k[1]
			buf = binary.AppendUvarint(buf, uint64(e.n))
		}
	}
	z.s = string(buf)
	return z, buf
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// uvarintAt decodes the uvarint at s[i:] and returns it and the offset
// after it. s is our own encoding, so it is well formed.
func uvarintAt(s string, i int) (uint64, int) {
	var x uint64
	for sh := uint(0); ; sh += 7 {
		b := s[i]
		i++
		x |= uint64(b&0x7f) << sh
		if b < 0x80 {
			return x, i
		}
	}
}

// eachStr calls f for every string key in order. k is a substring of z.s.
func (z *compactKeys) eachStr(f func(k string, n int64)) {
	i := 0
	for range z.nStr {
		l, j := uvarintAt(z.s, i)
		k := z.s[j : j+int(l)]
		n, j := uvarintAt(z.s, j+int(l))
		i = j
		f(k, int64(n))
	}
}

// eachNum calls f for every packed IPv4 key (without numTag) in order.
func (z *compactKeys) eachNum(f func(k, n uint32)) {
	i := int(z.numAt)
	var k uint64
	for range z.nNum {
		d, j := uvarintAt(z.s, i)
		n, j := uvarintAt(z.s, j)
		i = j
		k += d
		f(uint32(k), uint32(n))
	}
}

// eachWide calls f for every packed IPv6 key in order.
func (z *compactKeys) eachWide(f func(k [2]uint64, n int64)) {
	if z.nWide == 0 {
		return
	}
	i := int(z.wideAt)
	p64 := z.s[i] == 1
	i++
	var hi, lo uint64
	for w := range z.nWide {
		d, j := uvarintAt(z.s, i)
		hi += d
		switch {
		case p64:
			lo = ^uint64(0)
		case w > 0 && d == 0:
			var dl uint64
			dl, j = uvarintAt(z.s, j)
			lo += dl
		default:
			lo = 0
			for b := range 8 {
				lo |= uint64(z.s[j+b]) << (8 * b)
			}
			j += 8
		}
		n, j := uvarintAt(z.s, j)
		i = j
		f([2]uint64{hi, lo}, int64(n))
	}
}
