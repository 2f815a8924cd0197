package analyzer

import (
	"bytes"
	"net/netip"
	"slices"
	"sort"
	"strconv"

	"github.com/mileusna/useragent"

	"github.com/postmortem/postmortem/parsers"
)

// counter counts string keys in bounded memory, independently of the
// order the keys arrive in and of how the input was split between
// workers. Up to cap distinct keys every key is counted exactly. Beyond
// that it keeps exactly the keys whose 64-bit FNV-1a hash lies under a
// threshold 2^(64−shift), raising shift until at most cap keys remain:
// the kept set is then a deterministic, uniform sample of the keys, each
// kept key's count is exact, and the rest is counted in other. The final
// shift is the smallest whose sample fits the cap, whatever the order of
// Add and Merge calls, so Merge is commutative and associative.
// Lookups with a []byte key do not allocate.
//
// Addresses (addAddr) written as a canonical IPv4 address or /24 prefix
// are kept packed in num (8 bytes a key, no pointers, instead of about
// 70 with a string and a cell), IPv6 addresses in full form and /64
// prefixes in wide (24 bytes); their hash is that of their text, so the
// sample and the rows are the same as for the text.
//
// A counter that is done with is sealed (compact): its keys move to z and
// the maps go, until a write needs them back (see composition_compact.go).
type counter struct {
	m      map[string]*cell
	num    map[uint32]uint32   // packed IPv4 addresses or prefixes (packAddr without numTag) → count below 2^32
	numTag uint64              // packIPv4 or packP24: what num holds; 0 = nothing yet
	wide   map[[2]uint64]int64 // packed IPv6 addresses and /64 prefixes (packAddr6) → count
	z      *compactKeys        // the keys while sealed (m, num and wide are nil then)
	other  int64
	cap    int
	shift  uint
}

type cell struct {
	n int64
	h uint64
}

func newCounter(cap int) counter { return counter{m: make(map[string]*cell), cap: cap} }

func fnv64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return mix64(h)
}

func fnv64s(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return mix64(h)
}

// mix64 is murmur3's finaliser: FNV's high bits are poorly mixed for short
// keys that differ at the end, and the threshold reads the high bits.
func mix64(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func (c *counter) admits(h uint64) bool { return c.shift == 0 || h>>(64-c.shift) == 0 }

// len is the number of keys kept.
func (c *counter) len() int {
	if z := c.z; z != nil {
		return int(z.nStr + z.nNum + z.nWide)
	}
	return len(c.m) + len(c.num) + len(c.wide)
}

func (c *counter) add(k []byte, n int64) {
	if p := c.m[string(k)]; p != nil {
		p.n += n
		return
	}
	h := fnv64(k)
	if !c.admits(h) {
		c.other += n
		return
	}
	if c.z != nil {
		c.reopen()
		c.add(k, n)
		return
	}
	c.m[string(k)] = &cell{n: n, h: h}
	c.shrink()
}

// addAddr is add for client addresses and prefixes: packed when they are
// IPv4.
func (c *counter) addAddr(k []byte, n int64) {
	pk, ok := packAddr(k)
	if !ok {
		c.addWide(k, n)
		return
	}
	c.addNum(pk, k, n)
}

// addNum counts the packAddr key pk, whose text is k (nil: appendAddr's).
func (c *counter) addNum(pk uint64, k []byte, n int64) {
	tag := pk &^ 0xffffffff
	if c.numTag == 0 {
		c.numTag = tag
	}
	if tag != c.numTag { // addresses and prefixes in one counter: rare, as text
		var buf [24]byte
		c.add(appendAddr(buf[:0], pk), n)
		return
	}
	if v, ok := c.num[uint32(pk)]; ok {
		c.num[uint32(pk)] = v + uint32(n)
		return
	}
	if k == nil {
		var buf [24]byte
		k = appendAddr(buf[:0], pk)
	}
	if !c.admits(fnv64(k)) {
		c.other += n
		return
	}
	if c.z != nil {
		c.reopen()
		c.addNum(pk, k, n)
		return
	}
	if c.num == nil {
		c.num = make(map[uint32]uint32)
	}
	c.num[uint32(pk)] = uint32(n)
	c.shrink()
}

func (c *counter) addWide(k []byte, n int64) {
	pk, ok := packAddr6(k)
	if !ok {
		c.add(k, n)
		return
	}
	c.addWidePacked(pk, k, n)
}

// addWidePacked counts the packAddr6 key pk, whose text is k (nil:
// appendAddr6's).
func (c *counter) addWidePacked(pk [2]uint64, k []byte, n int64) {
	if v, ok := c.wide[pk]; ok {
		c.wide[pk] = v + n
		return
	}
	if k == nil {
		var buf [48]byte
		k = appendAddr6(buf[:0], pk)
	}
	if !c.admits(fnv64(k)) {
		c.other += n
		return
	}
	if c.z != nil {
		c.reopen()
		c.addWidePacked(pk, k, n)
		return
	}
	if c.wide == nil {
		c.wide = make(map[[2]uint64]int64)
	}
	c.wide[pk] = n
	c.shrink()
}

func (c *counter) addString(k string, n int64) {
	if p := c.m[k]; p != nil {
		p.n += n
		return
	}
	h := fnv64s(k)
	if !c.admits(h) {
		c.other += n
		return
	}
	if c.z != nil {
		c.reopen()
		c.addString(k, n)
		return
	}
	c.m[k] = &cell{n: n, h: h}
	c.shrink()
}

// shrink raises the threshold until at most cap keys remain.
func (c *counter) shrink() {
	for c.len() > c.cap && c.shift < 64 {
		c.shift++
		c.drop()
	}
}

// drop moves the keys the threshold no longer admits to other.
func (c *counter) drop() {
	if c.shift == 0 {
		return
	}
	for k, p := range c.m {
		if !c.admits(p.h) {
			c.other += p.n
			delete(c.m, k)
		}
	}
	var buf [48]byte
	for k, n := range c.num {
		if !c.admits(fnv64(appendAddr(buf[:0], c.numTag|uint64(k)))) {
			c.other += int64(n)
			delete(c.num, k)
		}
	}
	for k, n := range c.wide {
		if !c.admits(fnv64(appendAddr6(buf[:0], k))) {
			c.other += n
			delete(c.wide, k)
		}
	}
}

// merge adds o into c. A sealed c stays sealed; o is left as it was.
func (c *counter) merge(o *counter) {
	if c.m == nil && c.z == nil {
		c.m = make(map[string]*cell)
		c.cap = o.cap
	}
	if c.numTag == 0 {
		c.numTag = o.numTag
	}
	oNum := len(o.num)
	if o.z != nil {
		oNum = int(o.z.nNum)
	}
	mixed := oNum > 0 && o.numTag != c.numTag
	if c.z != nil {
		if !mixed {
			c.mergeSealed(o)
			return
		}
		c.reopen()
	}
	c.other += o.other
	c.shift = max(c.shift, o.shift)
	o.eachKind(func(k string, n int64) {
		if q := c.m[k]; q != nil {
			q.n += n
		} else {
			c.m[k] = &cell{n: n, h: fnv64s(k)}
		}
	}, func(k, n uint32) {
		if mixed {
			var buf [24]byte
			t := appendAddr(buf[:0], o.numTag|uint64(k))
			if q := c.m[string(t)]; q != nil {
				q.n += int64(n)
			} else {
				c.m[string(t)] = &cell{n: int64(n), h: fnv64(t)}
			}
			return
		}
		if c.num == nil {
			c.num = make(map[uint32]uint32, oNum)
		}
		c.num[k] += n
	}, func(k [2]uint64, n int64) {
		if c.wide == nil {
			c.wide = make(map[[2]uint64]int64)
		}
		c.wide[k] += n
	})
	c.drop()
	c.shrink()
}

// eachKind calls str, num and wide for every kept key of its kind, in no
// particular order.
func (c *counter) eachKind(str func(k string, n int64), num func(k, n uint32), wide func(k [2]uint64, n int64)) {
	if z := c.z; z != nil {
		z.eachStr(str)
		z.eachNum(num)
		z.eachWide(wide)
		return
	}
	for k, p := range c.m {
		str(k, p.n)
	}
	for k, n := range c.num {
		num(k, n)
	}
	for k, n := range c.wide {
		wide(k, n)
	}
}

// each calls f for every kept key, in no particular order.
func (c *counter) each(f func(k string, n int64)) {
	var buf [48]byte
	c.eachKind(f, func(k, n uint32) {
		f(string(appendAddr(buf[:0], c.numTag|uint64(k))), int64(n))
	}, func(k [2]uint64, n int64) {
		f(string(appendAddr6(buf[:0], k)), n)
	})
}

// counts calls f for every kept count.
func (c *counter) counts(f func(n int64)) {
	if z := c.z; z != nil {
		z.eachStr(func(_ string, n int64) { f(n) })
		z.eachNum(func(_, n uint32) { f(int64(n)) })
		z.eachWide(func(_ [2]uint64, n int64) { f(n) })
		return
	}
	for _, p := range c.m {
		f(p.n)
	}
	for _, n := range c.num {
		f(int64(n))
	}
	for _, n := range c.wide {
		f(n)
	}
}

// Packed addresses: tag<<32 | value, tag 1 for an IPv4 address (value the
// address), tag 2 for an IPv4 /24 prefix "a.b.c.0/24" (value a.b.c).
const (
	packIPv4 = 1 << 32
	packP24  = 2 << 32
)

// packAddr packs a canonical IPv4 address or /24 prefix, the text
// appendAddr gives back exactly; anything else is not packed.
func packAddr(b []byte) (uint64, bool) {
	var v uint64
	for part := 0; part < 4; part++ {
		if part > 0 {
			if len(b) == 0 || b[0] != '.' {
				return 0, false
			}
			b = b[1:]
		}
		if part == 3 && string(b) == "0/24" {
			return packP24 | v, true
		}
		x, i := uint64(0), 0
		for i < len(b) && i < 4 && '0' <= b[i] && b[i] <= '9' {
			x = x*10 + uint64(b[i]-'0')
			i++
		}
		if i == 0 || i > 3 || x > 255 || (i > 1 && b[0] == '0') {
			return 0, false
		}
		v = v<<8 | x
		b = b[i:]
	}
	if len(b) != 0 {
		return 0, false
	}
	return packIPv4 | v, true
}

// packAddr6 packs an IPv6 address written in full (eight groups) or a /64
// prefix written as four groups and "::/64", every group in lower-case hex
// without leading zeros: the text appendAddr6 gives back exactly. The
// second word of a prefix is all ones, which no packed address has.
func packAddr6(b []byte) ([2]uint64, bool) {
	var g [8]uint64
	n := 0
	for n < 8 {
		x, i := uint64(0), 0
		for i < len(b) && i < 5 {
			c := b[i]
			switch {
			case '0' <= c && c <= '9':
				x = x<<4 | uint64(c-'0')
			case 'a' <= c && c <= 'f':
				x = x<<4 | uint64(c-'a'+10)
			default:
				goto done
			}
			i++
		}
	done:
		if i == 0 || i > 4 || (i > 1 && b[0] == '0') {
			return [2]uint64{}, false
		}
		g[n] = x
		n++
		b = b[i:]
		if n == 4 && string(b) == "::/64" {
			return [2]uint64{g[0]<<48 | g[1]<<32 | g[2]<<16 | g[3], ^uint64(0)}, true
		}
		if n < 8 {
			if len(b) == 0 || b[0] != ':' {
				return [2]uint64{}, false
			}
			b = b[1:]
		}
	}
	k := [2]uint64{g[0]<<48 | g[1]<<32 | g[2]<<16 | g[3], g[4]<<48 | g[5]<<32 | g[6]<<16 | g[7]}
	if len(b) != 0 || k[1] == ^uint64(0) {
		return [2]uint64{}, false
	}
	return k, true
}

// appendAddr6 appends the text of a packAddr6 key to dst.
func appendAddr6(dst []byte, k [2]uint64) []byte {
	groups := func(dst []byte, w uint64) []byte {
		for i := 3; i >= 0; i-- {
			dst = strconv.AppendUint(dst, w>>(16*i)&0xffff, 16)
			if i > 0 {
				dst = append(dst, ':')
			}
		}
		return dst
	}
	dst = groups(dst, k[0])
	if k[1] == ^uint64(0) {
		return append(dst, "::/64"...)
	}
	return groups(append(dst, ':'), k[1])
}

// appendAddr appends the text of a packed address to dst.
func appendAddr(dst []byte, k uint64) []byte {
	v := uint32(k)
	n := 4
	if k&^0xffffffff == packP24 {
		n = 3
	}
	for i := n - 1; i >= 0; i-- {
		dst = strconv.AppendUint(dst, uint64(v>>(8*i)&0xff), 10)
		if i > 0 {
			dst = append(dst, '.')
		}
	}
	if n == 3 {
		dst = append(dst, ".0/24"...)
	}
	return dst
}

type kv struct {
	k string
	n int64
}

// rows returns the counts sorted by count desc, key asc.
func (c *counter) rows() []kv {
	out := make([]kv, 0, c.len())
	c.each(func(k string, n int64) { out = append(out, kv{k, n}) })
	sortKV(out)
	return out
}

func sortKV(out []kv) {
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].k < out[j].k
	})
}

// Caps per composition window (one minute). Keys beyond a cap are counted
// in the window's "other" row.
var compCaps = struct{ ref, path, ip, p24, p64 int }{ref: 128, path: 256, ip: 2048, p24: 512, p64: 256}

// compWindow is the composition of one minute of requests.
type compWindow struct {
	N       int64 // all requests
	Pages   int64 // non-static requests
	Errors  int64 // 5xx and 499
	Ref     counter
	Path    counter // normalised landing paths of page requests
	IP      counter
	P24     counter
	P64     counter
	UA      [nUAClasses]int64
	WriteOK int64

	seals uint8     // times sealed (see sealComp)
	open  *compOpen // the aggregator's open windows, carried by the current one
}

func newCompWindow() *compWindow {
	return &compWindow{
		Ref:  newCounter(compCaps.ref),
		Path: newCounter(compCaps.path),
		IP:   newCounter(compCaps.ip),
		P24:  newCounter(compCaps.p24),
		P64:  newCounter(compCaps.p64),
	}
}

func (w *compWindow) merge(o *compWindow) {
	w.N += o.N
	w.Pages += o.Pages
	w.Errors += o.Errors
	w.WriteOK += o.WriteOK
	w.Ref.merge(&o.Ref)
	w.Path.merge(&o.Path)
	w.IP.merge(&o.IP)
	w.P24.merge(&o.P24)
	w.P64.merge(&o.P64)
	for i := range w.UA {
		w.UA[i] += o.UA[i]
	}
}

func (w *compWindow) counters() [5]*counter {
	return [5]*counter{&w.Ref, &w.Path, &w.IP, &w.P24, &w.P64}
}

// maxSeals bounds how often one window is sealed: a window that input out
// of time order keeps reopening stays open after that, so that no order of
// the records costs more than a few rebuilds per window.
const maxSeals = 4

// seal compacts the window's counters (see counter.compact).
func (w *compWindow) seal(b *compactBuf) {
	if w.seals >= maxSeals {
		return
	}
	done := false
	for _, c := range w.counters() {
		if !c.sealed() {
			c.compact(b)
			done = true
		}
	}
	if done {
		w.seals++
	}
}

// compOpen is the queue of an aggregator's windows that may be open, in
// the order they were last made current, with the number of minute changes
// so far (the aggregator has no field for it, so the current window
// carries it).
type compOpen struct {
	wins    []openWin
	changes uint64
	buf     compactBuf
}

type openWin struct {
	min     int64
	w       *compWindow
	changes uint64 // changes when w was last made current
}

// sealLag is how many minutes a window stays open after its own ends, for
// records that come a little late; a window is also kept open until more
// than sealLag minute changes have passed without it, so that two interleaved
// streams of records a few minutes apart do not reopen it at every line.
const sealLag = 2

// sealComp makes cur the current composition minute, creating its window
// when needed, and seals every window older than cur−sealLag minutes that
// has not been current for sealLag+1 minute changes. AddAccess calls it
// when the minute changes, before a.lastComp moves to cur's window (the
// queue travels from the old current window to the new one), so it is
// O(1) amortised for records in time order. Sealing only changes how the
// windows are kept: every result is the same.
func (a *Aggregator) sealComp(cur int64) {
	var q *compOpen
	if p := a.lastComp; p != nil {
		q, p.open = p.open, nil
	}
	if q == nil {
		q = &compOpen{}
	}
	w := a.comp[cur]
	if w == nil {
		w = newCompWindow()
		a.comp[cur] = w
	}
	w.open = q
	q.changes++
	i := slices.IndexFunc(q.wins, func(o openWin) bool { return o.min == cur })
	if i < 0 {
		q.wins = append(q.wins, openWin{min: cur, w: w})
		i = len(q.wins) - 1
	}
	q.wins[i].changes = q.changes
	keep := q.wins[:0]
	for _, o := range q.wins {
		if o.min < cur-sealLag && q.changes-o.changes > sealLag {
			o.w.seal(&q.buf)
			continue
		}
		keep = append(keep, o)
	}
	clear(q.wins[len(keep):])
	q.wins = keep
}

func (a *Aggregator) addComposition(w *compWindow, r *parsers.Access, client []byte, static, write bool) {
	w.N++
	failed := r.Status >= 500 || r.Status == 499
	if failed {
		w.Errors++
	}
	if write && r.Status < 400 {
		w.WriteOK++
	}
	host := refHost(r.Referer)
	if static {
		if len(host) > 0 {
			a.selfRf.add(host, 1)
		}
	} else {
		w.Pages++
		if len(host) == 0 {
			w.Ref.addString("(direct)", 1)
		} else {
			w.Ref.add(host, 1)
		}
		a.scratch = normalizePath(a.scratch[:0], r.Path)
		w.Path.add(a.scratch, 1)
	}
	w.UA[a.uaClassOf(r.UA)]++
	// A client address in canonical form is parsed once: its /24 or /64
	// key follows from its own, and the text (for the hash) is needed
	// only for a new key.
	if pk, ok := packAddr(client); ok {
		w.IP.addNum(pk, client, 1)
		w.P24.addNum(packP24|(pk&0xffffffff)>>8, nil, 1)
		return
	}
	if pk, ok := packAddr6(client); ok {
		w.IP.addWidePacked(pk, client, 1)
		w.P64.addWidePacked([2]uint64{pk[0], ^uint64(0)}, nil, 1)
		return
	}
	w.IP.add(client, 1)
	a.scratch = prefixOf(a.scratch[:0], client)
	if len(a.scratch) > 0 {
		if bytes.IndexByte(a.scratch, ':') >= 0 {
			w.P64.addWide(a.scratch, 1)
		} else {
			w.P24.addAddr(a.scratch, 1)
		}
	}
}

// clientAddr is the client: the first X-Forwarded-For entry when the log
// has one, else the remote address.
func clientAddr(r *parsers.Access) []byte {
	x := r.XFF
	if len(x) > 0 && !(len(x) == 1 && x[0] == '-') {
		if i := bytes.IndexByte(x, ','); i >= 0 {
			x = x[:i]
		}
		x = bytes.TrimSpace(x)
		if len(x) > 0 {
			return x
		}
	}
	return r.Remote
}

func isWrite(m []byte) bool {
	switch string(m) {
	case "POST", "PUT", "PATCH", "DELETE":
		return true
	}
	return false
}

// staticKinds classes a path by its extension for the two notions of a
// static file the analyzer uses: asset, a file a page pulls in besides
// itself (composition, in-flight), and served, a file nginx serves without
// PHP (capacity, writes). They differ in .gz (an asset nginx may hand to
// PHP) and .xml/.json (served as files, but not page assets).
func staticKinds(p []byte) (asset, served bool) {
	i := bytes.LastIndexByte(p, '.')
	if i < 0 {
		return false, false
	}
	ext := p[i+1:]
	if len(ext) > 6 || bytes.IndexByte(ext, '/') >= 0 {
		return false, false
	}
	var buf [6]byte
	for j, c := range ext {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[j] = c
	}
	switch string(buf[:len(ext)]) {
	case "css", "js", "mjs", "map", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp", "avif",
		"woff", "woff2", "ttf", "eot", "otf", "mp4", "webm", "mp3", "pdf", "zip", "txt":
		return true, true
	case "gz":
		return true, false
	case "xml", "json":
		return false, true
	}
	return false, false
}

// isStatic reports whether path names a static asset by its extension.
func isStatic(p []byte) bool {
	asset, _ := staticKinds(p)
	return asset
}

// normalizePath appends p to dst with id-like segments replaced by ":id":
// all digits, a UUID, or 16+ hex characters.
func normalizePath(dst, p []byte) []byte {
	if len(p) == 0 {
		return append(dst, '/')
	}
	if len(p) > 200 {
		p = p[:200]
	}
	for len(p) > 0 {
		if p[0] == '/' {
			dst = append(dst, '/')
			p = p[1:]
			continue
		}
		j := bytes.IndexByte(p, '/')
		if j < 0 {
			j = len(p)
		}
		seg := p[:j]
		if isIDSegment(seg) {
			dst = append(dst, ":id"...)
		} else {
			dst = append(dst, seg...)
		}
		p = p[j:]
	}
	return dst
}

func isIDSegment(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	digits, hex, other := 0, 0, 0
	for _, c := range s {
		switch {
		case '0' <= c && c <= '9':
			digits++
		case 'a' <= c && c <= 'f', 'A' <= c && c <= 'F', c == '-':
			hex++
		default:
			other++
		}
	}
	if other > 0 {
		return false
	}
	if hex == 0 {
		return true
	}
	return len(s) >= 16 && digits > 0
}

// refHost returns the host of a Referer value, or nil for none/"-".
func refHost(ref []byte) []byte {
	if len(ref) == 0 || (len(ref) == 1 && ref[0] == '-') {
		return nil
	}
	if i := bytes.Index(ref, []byte("://")); i >= 0 && i < 10 {
		ref = ref[i+3:]
	}
	for i, c := range ref {
		if c == '/' || c == '?' || c == '#' || c == ':' {
			ref = ref[:i]
			break
		}
	}
	if i := bytes.IndexByte(ref, '@'); i >= 0 {
		ref = ref[i+1:]
	}
	return ref
}

// prefixOf appends the /24 (IPv4) or /64 (IPv6) prefix of addr to dst.
func prefixOf(dst, addr []byte) []byte {
	if bytes.IndexByte(addr, ':') < 0 {
		dots := 0
		for i, c := range addr {
			if c == '.' {
				dots++
				if dots == 3 {
					dst = append(dst, addr[:i]...)
					return append(dst, ".0/24"...)
				}
			} else if c < '0' || c > '9' {
				return dst
			}
		}
		return dst
	}
	// IPv6: the first four groups, when written out before any "::".
	groups := 0
	for i := 0; i < len(addr); i++ {
		if addr[i] == ':' {
			if i+1 < len(addr) && addr[i+1] == ':' {
				break
			}
			groups++
			if groups == 4 {
				dst = append(dst, addr[:i]...)
				return append(dst, "::/64"...)
			}
		}
	}
	ip, err := netip.ParseAddr(string(addr))
	if err != nil || !ip.Is6() {
		return dst
	}
	pfx, err := ip.Prefix(64)
	if err != nil {
		return dst
	}
	return pfx.AppendTo(dst)
}

// uaClass is a user-agent class of the who-flooded tables.
type uaClass uint8

const (
	uaNone uaClass = iota
	uaInAppFacebook
	uaInAppInstagram
	uaCrawler
	uaTool
	uaMobile
	uaDesktop
	uaOther
	nUAClasses
)

var uaClassNames = [nUAClasses]string{"none", "in-app-facebook", "in-app-instagram", "crawler", "tool", "mobile", "desktop", "other"}

func (c uaClass) String() string { return uaClassNames[c] }

// Our own small token tables beside mileusna/useragent's bot detection:
// the Go proxy refuses the crawler lists, so these hold the tokens that
// matter for floods (HTTP libraries and command-line tools, generic
// crawler words, and crawlers the library does not know).
var toolTokens = [][]byte{
	[]byte("curl/"), []byte("wget/"), []byte("python-requests"), []byte("python-urllib"),
	[]byte("aiohttp"), []byte("go-http-client"), []byte("okhttp"), []byte("apache-httpclient"),
	[]byte("libwww-perl"), []byte("httpie"), []byte("postmanruntime"), []byte("axios/"),
	[]byte("node-fetch"), []byte("java/"), []byte("guzzlehttp"), []byte("ruby"), []byte("php/"),
	[]byte("ab/"), []byte("jmeter"), []byte("k6/"), []byte("locust"), []byte("siege"),
	[]byte("wrk"), []byte("hey/"), []byte("vegeta"), []byte("masscan"), []byte("zgrab"),
	[]byte("nmap"), []byte("nikto"), []byte("sqlmap"), []byte("headlesschrome"),
}

var crawlerTokens = [][]byte{
	[]byte("bot"), []byte("crawl"), []byte("spider"), []byte("slurp"), []byte("scrapy"),
	[]byte("facebookexternalhit"), []byte("bytespider"), []byte("petalbot"), []byte("gptbot"),
	[]byte("ccbot"), []byte("claudebot"), []byte("amazonbot"), []byte("semrush"), []byte("ahrefs"),
	[]byte("mj12"), []byte("dotbot"), []byte("yandex"), []byte("baiduspider"), []byte("archive.org"),
	[]byte("python-scrapy"), []byte("feedfetcher"), []byte("headless"),
}

func (a *Aggregator) uaClassOf(ua []byte) uaClass {
	if a.lastUA != nil && bytes.Equal(ua, a.lastUA) {
		return a.lastUAC
	}
	if c, ok := a.ua[string(ua)]; ok {
		a.lastUA = append(a.lastUA[:0], ua...)
		a.lastUAC = c
		return c
	}
	c := classifyUA(ua)
	if len(a.ua) < 8192 {
		a.ua[string(ua)] = c
	}
	return c
}

// classifyUA sorts a User-Agent into a class: in-app browsers by their
// FBAN/FBAV/Instagram tokens, then tools, crawlers (our tokens plus
// mileusna/useragent's Bot flag), mobile and desktop.
func classifyUA(ua []byte) uaClass {
	if len(ua) == 0 || (len(ua) == 1 && ua[0] == '-') {
		return uaNone
	}
	lower := bytes.ToLower(ua)
	switch {
	case bytes.Contains(ua, []byte("FBAN")) || bytes.Contains(ua, []byte("FBAV")) || bytes.Contains(ua, []byte("FB_IAB")) || bytes.Contains(ua, []byte("FBIOS")):
		return uaInAppFacebook
	case bytes.Contains(ua, []byte("Instagram")):
		return uaInAppInstagram
	}
	for _, t := range toolTokens {
		if bytes.HasPrefix(lower, t) || (len(t) > 4 && bytes.Contains(lower, t)) {
			return uaTool
		}
	}
	for _, t := range crawlerTokens {
		if bytes.Contains(lower, t) {
			return uaCrawler
		}
	}
	p := useragent.Parse(string(ua))
	switch {
	case p.Bot:
		return uaCrawler
	case p.Mobile || p.Tablet:
		return uaMobile
	case p.Desktop:
		return uaDesktop
	}
	return uaOther
}

// referrer networks: hosts grouped by who owns them.
var networkSuffixes = []struct{ suffix, name string }{
	{"facebook.com", "Facebook"}, {"fb.com", "Facebook"}, {"fb.me", "Facebook"}, {"facebook.net", "Facebook"},
	{"instagram.com", "Instagram"},
	{"t.co", "X (Twitter)"}, {"twitter.com", "X (Twitter)"}, {"x.com", "X (Twitter)"},
	{"reddit.com", "Reddit"}, {"redd.it", "Reddit"},
	{"linkedin.com", "LinkedIn"}, {"lnkd.in", "LinkedIn"},
	{"pinterest.com", "Pinterest"},
	{"tiktok.com", "TikTok"},
	{"youtube.com", "YouTube"}, {"youtu.be", "YouTube"},
	{"whatsapp.com", "WhatsApp"}, {"telegram.org", "Telegram"}, {"t.me", "Telegram"},
	{"news.ycombinator.com", "Hacker News"},
	{"news.google.com", "Google News"},
	{"bing.com", "Bing"}, {"duckduckgo.com", "DuckDuckGo"}, {"yahoo.com", "Yahoo"},
	{"baidu.com", "Baidu"}, {"yandex.ru", "Yandex"},
}

// networkOf groups a referrer host into a network name. Google in any
// country domain is "Google"; unknown hosts keep their name without "www.".
func networkOf(host string) string {
	if host == "(direct)" || host == "" {
		return "(direct)"
	}
	for _, n := range networkSuffixes {
		if host == n.suffix || hasDotSuffix(host, n.suffix) {
			return n.name
		}
	}
	h := host
	if len(h) > 4 && h[:4] == "www." {
		h = h[4:]
	}
	if len(h) > 7 && (h[:7] == "google." || indexString(h, ".google.") >= 0) {
		return "Google"
	}
	if indexString(h, "news") >= 0 {
		return "news: " + h
	}
	return h
}

func hasDotSuffix(h, s string) bool {
	return len(h) > len(s) && h[len(h)-len(s):] == s && h[len(h)-len(s)-1] == '.'
}

func indexString(s, sub string) int { return bytes.Index([]byte(s), []byte(sub)) }

// socialNetworks are the networks whose surges are "social".
var socialNetworks = map[string]bool{
	"Facebook": true, "Instagram": true, "X (Twitter)": true, "Reddit": true, "LinkedIn": true,
	"Pinterest": true, "TikTok": true, "YouTube": true, "WhatsApp": true, "Telegram": true,
	"Hacker News": true,
}
