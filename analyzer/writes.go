package analyzer

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/postmortem/postmortem/parsers"
)

// Ambiguous writes (domain.md section 0 item 9): a POST/PUT/PATCH/DELETE that
// reached PHP and ended 499/502/504, or that was in flight when PHP workers
// were killed or the database went down, may have been committed although the
// client saw an error. A write that provably never reached PHP (its 502 pairs
// with an nginx `connect() … failed` line for the same client and request, or
// its upstream time is "-") failed cleanly and is counted apart.
//
// Memory bound: writes are a small share of traffic and are kept one by one
// (about 120 bytes each plus interned strings) up to wrMaxWrites; beyond that
// they are counted and the report says how many were not examined. Connect
// failures for write requests are kept up to wrMaxConnFails (16 B each), kill
// and database instants up to wrMaxInstants.
const (
	wrMaxWrites    = 1_000_000
	wrMaxConnFails = 1_000_000
	wrMaxInstants  = 100_000
	// wrPairTol is how far apart (seconds) a connect() error line and the
	// access line of the same request may be stamped: error-log stamps have
	// one-second resolution and the access time is the request's end.
	wrPairTol = 2
	// wrRetryWithin is how long after a failed write a new write of the same
	// client to the same endpoint counts as its retry.
	wrRetryWithin = 30 * time.Minute
	// wrKillBurst is how many SIGKILLed children within wrKillSpan seconds
	// make a mass kill (an operator's kill -9 or the OOM killer).
	wrKillBurst = 3
	wrKillSpan  = 2
)

// writesAgg is the mergeable state for retries and ambiguous writes; the
// Aggregator holds one per worker.
type writesAgg struct {
	o      *Options
	rt     rtState
	writes []wrRec
	// dropped counts writes beyond wrMaxWrites.
	dropped int64
	strs    map[string]string // interned clients and paths
	conn    []wrConn
	connN   int64
	kills   []int64 // Unix ns of children killed by SIGKILL (FPM log) or OOM (kernel)
	fpmTerm []int64 // FPM master told to terminate (children are killed)
	db      []wrDB
	// secs holds, per Unix second, the queue wait and how PHP answered.
	secs secPages[wrSec]
}

// wrSec is one second of PHP answers.
type wrSec struct {
	// php counts PHP requests answered in the second that ended 500 ([0])
	// and that succeeded ([1]): how often PHP itself failed then.
	php [2]uint32
	// minOK is 1 + the shortest request time (ms) of a PHP read that
	// arrived in the second and succeeded: the queue wait of that moment;
	// 0 when none did.
	minOK uint32
}

func (s *wrSec) add(o *wrSec) {
	s.php[0] += o.php[0]
	s.php[1] += o.php[1]
	if o.minOK != 0 && (s.minOK == 0 || o.minOK < s.minOK) {
		s.minOK = o.minOK
	}
}

// wrRec is one write request.
type wrRec struct {
	start, end   int64 // Unix ns
	client, path string
	method       string
	status       uint16
	upstream     int8 // wrUpReached, wrUpNone, wrUpUnknown
	input        int32
	line         int64
}

const (
	wrUpReached int8 = iota
	wrUpNone
	wrUpUnknown
)

// wrConn is one nginx connect() failure for a write request.
type wrConn struct {
	sec int64
	h   uint64 // hash of client, method, path
	db  bool   // PHP could not connect to MySQL (the answer is a 500)
}

// wrDB is one MySQL lifecycle instant: down (shutdown request, signal,
// abort) or up (ready), or a start without a preceding down line (crash).
type wrDB struct {
	t    int64
	kind uint8
}

const (
	wrDBDown uint8 = iota
	wrDBStart
	wrDBReady
)

func newWritesAgg(o *Options) *writesAgg {
	return &writesAgg{o: o, rt: newRTState(), strs: map[string]string{}, secs: newSecPages[wrSec]()}
}

func (w *writesAgg) intern(b []byte) string {
	if s, ok := w.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(w.strs) < 1<<20 {
		w.strs[s] = s
	}
	return s
}

// cwIsWrite says whether m is a method that changes state.
func cwIsWrite(m []byte) bool {
	switch string(m) {
	case "POST", "PUT", "PATCH", "DELETE":
		return true
	}
	return false
}

// cwIsStatic says whether path names a static file nginx serves itself,
// by its extension.
func cwIsStatic(path []byte) bool {
	_, served := staticKinds(path)
	return served
}

func (w *writesAgg) addAccess(input int, line int64, r *parsers.Access) {
	w.addAccessStatic(input, line, r, cwIsStatic(r.Path))
}

// addAccessStatic is addAccess with cwIsStatic(r.Path) already known.
func (w *writesAgg) addAccessStatic(input int, line int64, r *parsers.Access, static bool) {
	end := r.Time
	start := end
	if r.RequestTime >= 0 {
		if r.TimeIsStart {
			end = start + r.RequestTime*1000
		} else {
			start = end - r.RequestTime*1000
		}
	}
	failed := r.Status == 499 || r.Status >= 500
	w.rt.add(r.Remote, r.Path, floorDivSec(end), failed, !static)
	if !static && r.UpstreamTime >= 0 {
		v := w.secs.at(floorDivSec(end))
		switch {
		case r.Status == 500:
			v.php[0]++
		case !failed:
			v.php[1]++
		}
	}
	if !static && !failed && r.RequestTime >= 0 && r.UpstreamTime >= 0 && !cwIsWrite(r.Method) {
		// The quickest PHP answer among reads that arrived in this
		// second: their wait in the FPM queue plus the fastest service
		// (writes may wait on row locks once running, so they do not
		// measure the queue).
		v := w.secs.at(floorDivSec(start))
		ms := uint32(min(r.RequestTime/1000, math.MaxUint32-1)) + 1
		if v.minOK == 0 || ms < v.minOK {
			v.minOK = ms
		}
	}
	if !cwIsWrite(r.Method) {
		return
	}
	if len(w.writes) >= wrMaxWrites {
		w.dropped++
		return
	}
	up := wrUpUnknown
	switch {
	case r.UpstreamTime >= 0:
		up = wrUpReached
	case r.UpstreamTime == parsers.UpstreamNone:
		up = wrUpNone
	}
	w.writes = append(w.writes, wrRec{
		start: start, end: end,
		client: w.intern(r.Remote), path: w.intern(cwEndpoint(r.Path)), method: w.intern(r.Method),
		status: r.Status, upstream: up, input: int32(input), line: line,
	})
}

func floorDivSec(ns int64) int64 {
	s := ns / 1e9
	if ns%1e9 < 0 {
		s--
	}
	return s
}

func (w *writesAgg) addEvent(e *parsers.Event) {
	if e.Time == 0 || e.Relative {
		return
	}
	switch e.Type {
	case parsers.NginxConnectBacklog, parsers.NginxConnectRefused, parsers.NginxConnectNoSocket,
		parsers.NginxConnectPermission, parsers.NginxConnectOther, parsers.NginxUpstreamTimeoutConnect,
		parsers.NginxNoLiveUpstreams, parsers.ApacheProxyConnect:
		method, path, ok := cwRequestLine(e.Request)
		if !ok || !cwIsWrite(method) {
			return
		}
		w.connN++
		if len(w.conn) < wrMaxConnFails {
			w.conn = append(w.conn, wrConn{sec: floorDivSec(e.Time), h: cwReqHash(e.Client, method, cwEndpoint(path))})
		}
	case parsers.NginxPHPMessage, parsers.ApachePHPMessage:
		// PHP could not connect to MySQL (1040, 2002): the write failed
		// before any query, so its 500 is a clean failure.
		if e.PHP != parsers.PHPTooManyConns && e.PHP != parsers.PHPConnRefused {
			return
		}
		method, path, ok := cwRequestLine(e.Request)
		if !ok || !cwIsWrite(method) {
			return
		}
		w.connN++
		if len(w.conn) < wrMaxConnFails {
			w.conn = append(w.conn, wrConn{sec: floorDivSec(e.Time), h: cwReqHash(e.Client, method, cwEndpoint(path)), db: true})
		}
	case parsers.FPMChildExited:
		if e.Num[1] == 9 {
			w.addInstant(&w.kills, e.Time)
		}
	case parsers.KernelOOMKill:
		if bytes.Contains(e.Text, []byte("php")) {
			w.addInstant(&w.kills, e.Time)
		}
	case parsers.FPMTerminating:
		w.addInstant(&w.fpmTerm, e.Time)
	case parsers.MySQLShutdownRequest, parsers.MySQLGotSignal, parsers.MySQLAborting, parsers.MySQLAssertion:
		if len(w.db) < wrMaxInstants {
			w.db = append(w.db, wrDB{t: e.Time, kind: wrDBDown})
		}
	case parsers.MySQLStarting:
		if len(w.db) < wrMaxInstants {
			w.db = append(w.db, wrDB{t: e.Time, kind: wrDBStart})
		}
	case parsers.MySQLReady:
		if e.Num[0] != 0 && len(w.db) < wrMaxInstants {
			w.db = append(w.db, wrDB{t: e.Time, kind: wrDBReady})
		}
	}
}

func (w *writesAgg) addInstant(dst *[]int64, t int64) {
	if len(*dst) < wrMaxInstants {
		*dst = append(*dst, t)
	}
}

// cwRequestLine splits "POST /register?x=1 HTTP/1.1" into method and path
// (query string dropped).
func cwRequestLine(b []byte) (method, path []byte, ok bool) {
	i := bytes.IndexByte(b, ' ')
	if i <= 0 {
		return nil, nil, false
	}
	method, rest := b[:i], b[i+1:]
	if j := bytes.IndexByte(rest, ' '); j >= 0 {
		rest = rest[:j]
	}
	if j := bytes.IndexByte(rest, '?'); j >= 0 {
		rest = rest[:j]
	}
	return method, rest, len(rest) > 0
}

func cwReqHash(client, method, path []byte) uint64 {
	return cwHash(cwHash(cwHash(cwFNV, client), method), path)
}

func (w *writesAgg) merge(o *writesAgg) {
	w.rt.merge(&o.rt)
	for _, r := range o.writes {
		if len(w.writes) >= wrMaxWrites {
			w.dropped++
			continue
		}
		w.writes = append(w.writes, r)
	}
	w.dropped += o.dropped
	w.connN += o.connN
	for _, c := range o.conn {
		if len(w.conn) < wrMaxConnFails {
			w.conn = append(w.conn, c)
		}
	}
	for _, t := range o.kills {
		w.addInstant(&w.kills, t)
	}
	for _, t := range o.fpmTerm {
		w.addInstant(&w.fpmTerm, t)
	}
	for _, d := range o.db {
		if len(w.db) < wrMaxInstants {
			w.db = append(w.db, d)
		}
	}
	w.secs.merge(&o.secs, (*wrSec).add)
}

// cwEndpoint normalises a path for grouping: numeric, hexadecimal and UUID
// segments become ":id".
func cwEndpoint(p []byte) []byte {
	if !cwHasID(p) {
		return p
	}
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); {
		if p[i] == '/' {
			out = append(out, '/')
			i++
			continue
		}
		j := i
		for j < len(p) && p[j] != '/' {
			j++
		}
		if cwIsID(p[i:j]) {
			out = append(out, ":id"...)
		} else {
			out = append(out, p[i:j]...)
		}
		i = j
	}
	return out
}

func cwHasID(p []byte) bool {
	for _, seg := range bytes.Split(p, []byte{'/'}) {
		if cwIsID(seg) {
			return true
		}
	}
	return false
}

func cwIsID(seg []byte) bool {
	if len(seg) == 0 {
		return false
	}
	digits, hex := 0, 0
	for _, c := range seg {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F', c == '-':
			hex++
		default:
			return false
		}
	}
	return digits == len(seg) || (len(seg) >= 8 && digits > 0)
}

// wrIntervals are the instants when in-flight writes may have been cut off.
type wrInstant struct {
	t      int64
	reason string
}

// instants derives the cut-off instants: mass SIGKILL of FPM children
// (wrKillBurst within wrKillSpan s; a single recycled child is no kill), FPM
// terminate, and MySQL going down (a shutdown or signal line, or a start
// without one: a kill -9 leaves no shutdown line).
func (w *writesAgg) instants() []wrInstant {
	var out []wrInstant
	k := slices.Clone(w.kills)
	slices.Sort(k)
	for i := 0; i < len(k); {
		j := i
		for j < len(k) && k[j]-k[i] <= wrKillSpan*1e9 {
			j++
		}
		if j-i >= wrKillBurst {
			out = append(out, wrInstant{t: k[i], reason: "in flight during php-fpm kill"})
			// Skip the rest of the burst.
			for j < len(k) && k[j]-k[j-1] <= wrKillSpan*1e9 {
				j++
			}
		}
		i = j
	}
	for _, t := range w.fpmTerm {
		out = append(out, wrInstant{t: t, reason: "in flight during php-fpm stop"})
	}
	db := slices.Clone(w.db)
	slices.SortFunc(db, func(a, b wrDB) int {
		if a.t != b.t {
			return cmpI64(a.t, b.t)
		}
		return int(a.kind) - int(b.kind)
	})
	down := false
	for _, d := range db {
		switch d.kind {
		case wrDBDown:
			if !down {
				out = append(out, wrInstant{t: d.t, reason: "in flight during mysql restart"})
			}
			down = true
		case wrDBStart:
			if !down {
				// Unclean: the server died without a line; the start is
				// the first witness.
				out = append(out, wrInstant{t: d.t, reason: "in flight during mysql crash"})
			}
			down = true
		case wrDBReady:
			down = false
		}
	}
	slices.SortFunc(out, func(a, b wrInstant) int { return cmpI64(a.t, b.t) })
	return out
}

func cwAbs64(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

func cmpI64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// wrClass is the verdict on one write.
type wrClass uint8

const (
	wrOK wrClass = iota
	wrFailed
	wrClean
	wrAmbiguous
	wrLikelyFailed // 499 while queued and PHP failing when it ran it, or 499 after PHP was stuck on it
)

// queuedUntil estimates when PHP started r: its arrival plus the wait in
// the FPM queue of the reads that arrived within a second of it.
func (w *writesAgg) queuedUntil(r wrRec) (int64, bool) {
	s := floorDivSec(r.start)
	wait, ok := uint32(0), false
	for d := int64(-1); d <= 1; d++ {
		if v := w.secs.get(s + d); v != nil && v.minOK != 0 && (!ok || v.minOK-1 < wait) {
			wait, ok = v.minOK-1, true
		}
	}
	return r.start + int64(wait)*1e6, ok
}

// runAt is when PHP ran r, as well as the log tells: after its queue wait
// when the reads around it show one, else its arrival.
func (w *writesAgg) runAt(r wrRec) int64 {
	t, _ := w.queuedUntil(r)
	return t
}

// likelyFailed says whether the 499 r most likely never committed: its
// client left while it was still queued (the reads that arrived with it
// waited longer than it did, and FPM serves its queue in order), and when
// PHP would have run it, MySQL refused most connections (PHP answered 500
// to most requests then). FPM still runs a request whose client has left,
// so a queued 499 is only ruled out when PHP was failing anyway.
func (w *writesAgg) likelyFailed(r wrRec) bool {
	run, ok := w.queuedUntil(r)
	if !ok || run <= r.end {
		return false // PHP had it before the client left
	}
	var n500, okN uint32
	rs := floorDivSec(run)
	for d := int64(-2); d <= 2; d++ {
		if v := w.secs.get(rs + d); v != nil {
			n500 += v.php[0]
			okN += v.php[1]
		}
	}
	return n500 >= 5 && wrFailRatio*n500 >= okN
}

// wrFailRatio is how many PHP 500s per success make PHP "failing" when a
// queued write would have run.
const wrFailRatio = 1

// wrStuckWin is how far (seconds) around a 499 write the successful writes
// of its endpoint are looked at; wrStuckMinOK is how many must have ended
// there for their longest time to be a yardstick.
const (
	wrStuckWin   = 30
	wrStuckMinOK = 5
)

// wrOKKey is an endpoint and a Unix second in which writes to it succeeded.
type wrOKKey struct {
	method, path string
	sec          int64
}

// wrOKDur is the longest request time (ns) and the number of the writes
// that succeeded in one endpoint second.
type wrOKDur struct {
	max int64
	n   int32
}

// okDurations indexes the successful writes by endpoint and second of their
// end.
func (w *writesAgg) okDurations() map[wrOKKey]wrOKDur {
	m := map[wrOKKey]wrOKDur{}
	for _, r := range w.writes {
		if r.status < 200 || r.status >= 400 || r.upstream != wrUpReached {
			continue
		}
		k := wrOKKey{r.method, r.path, floorDivSec(r.end)}
		v := m[k]
		v.max = max(v.max, r.end-r.start)
		v.n++
		m[k] = v
	}
	return m
}

// stuck says whether the 499 write r most likely never committed because
// PHP was stuck on it: PHP held it (from when it ran it, after its queue
// wait, to when the client left) longer than the slowest write of the same
// endpoint that succeeded within wrStuckWin seconds, counting their queue
// wait too. A write that runs that long waits on a row lock, and a lock wait
// that outlasts every successful write ends in a timeout that rolls back
// (1205); the writes that commit are all quicker.
func (w *writesAgg) stuck(r wrRec, ok map[wrOKKey]wrOKDur) bool {
	held := r.end - max(w.runAt(r), r.start)
	es := floorDivSec(r.end)
	var most int64
	var n int32
	for d := int64(-wrStuckWin); d <= wrStuckWin; d++ {
		if v, found := ok[wrOKKey{r.method, r.path, es + d}]; found {
			most = max(most, v.max)
			n += v.n
		}
	}
	return n >= wrStuckMinOK && held > most
}

// classify decides each write and says why.
func (w *writesAgg) classify() ([]wrClass, []string) {
	type slot struct {
		sec      int64
		db, used bool
	}
	conn := map[uint64][]slot{}
	for _, c := range w.conn {
		conn[c.h] = append(conn[c.h], slot{sec: c.sec, db: c.db})
	}
	for _, v := range conn {
		slices.SortFunc(v, func(a, b slot) int { return cmpI64(a.sec, b.sec) })
	}
	inst := w.instants()
	okDur := w.okDurations()
	cls := make([]wrClass, len(w.writes))
	why := make([]string, len(w.writes))
	for i, r := range w.writes {
		s := r.status
		failed := s == 499 || s >= 500
		if !failed {
			continue
		}
		cls[i] = wrFailed
		// Paired with a connect() failure: never reached PHP. nginx
		// answers such a request at once, so the error line and the
		// access line carry the same second (± the stamp tolerance); each
		// error line pairs with one access line only.
		if s == 502 || s == 503 || s == 504 || s == 500 {
			es := floorDivSec(r.end)
			best := -1
			slots := conn[cwReqHash([]byte(r.client), []byte(r.method), []byte(r.path))]
			for k := range slots {
				d := slots[k].sec - es
				if slots[k].used || slots[k].db != (s == 500) || d < -wrPairTol || d > wrPairTol {
					continue
				}
				if best < 0 || cwAbs64(d) < cwAbs64(slots[best].sec-es) {
					best = k
				}
			}
			if best >= 0 {
				slots[best].used = true
				cls[i], why[i] = wrClean, "never reached PHP (connect() failed)"
				if s == 500 {
					why[i] = "never reached MySQL (connection refused)"
				}
				continue
			}
		}
		if r.upstream == wrUpNone {
			cls[i], why[i] = wrClean, "never reached PHP (no upstream time)"
			continue
		}
		// In flight at a cut-off instant (one-second stamp tolerance).
		j, _ := slices.BinarySearchFunc(inst, r.start-1e9, func(a wrInstant, t int64) int { return cmpI64(a.t, t) })
		if j < len(inst) && inst[j].t <= r.end+1e9 {
			cls[i], why[i] = wrAmbiguous, inst[j].reason
			continue
		}
		switch s {
		case 499:
			if w.likelyFailed(r) {
				cls[i], why[i] = wrLikelyFailed, "499 while queued; MySQL refused most connections when PHP ran it"
				continue
			}
			if w.stuck(r, okDur) {
				cls[i], why[i] = wrLikelyFailed, "499 after PHP held it longer than any write to the endpoint that succeeded then (stuck on a lock)"
				continue
			}
			cls[i], why[i] = wrAmbiguous, "499 client gave up while PHP ran"
			if run, ok := w.queuedUntil(r); ok && run > r.end {
				why[i] = "499 client left the queue; FPM ran it afterwards"
			}
		case 502:
			cls[i], why[i] = wrAmbiguous, "502 after reaching PHP"
		case 504:
			cls[i], why[i] = wrAmbiguous, "504 timeout while PHP ran"
		}
	}
	return cls, why
}

// retryOutcome looks for the first later write of the same client to the
// same endpoint within wrRetryWithin and names its outcome.
func retryOutcome(status uint16) string {
	switch {
	case status == 409:
		return "already-done"
	case status >= 200 && status < 400:
		return "succeeded"
	}
	return "failed"
}

// finish fills rep.AmbiguousWrites and rep.RetryStorm.
func (w *writesAgg) finish(rep *Report, st *State) {
	w.finishWith(rep, st, w.rt.analyze(w.o.loc()))
}

// finishWith is finish with the retry analysis already done (Finish runs
// it beside the other detectors: it reads only w.rt).
func (w *writesAgg) finishWith(rep *Report, st *State, res retryResult) {
	rep.RetryStorm = res.storm
	if w.rt.shift > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Retry analysis sampled 1 in %d (client, path) pairs to bound memory.", 1<<w.rt.shift))
	}
	// Deterministic order whatever the merge order.
	slices.SortFunc(w.writes, func(a, b wrRec) int {
		if c := strings.Compare(a.client, b.client); c != 0 {
			return c
		}
		if c := strings.Compare(a.path, b.path); c != 0 {
			return c
		}
		if c := strings.Compare(a.method, b.method); c != 0 {
			return c
		}
		if c := cmpI64(a.end, b.end); c != 0 {
			return c
		}
		if a.input != b.input {
			return int(a.input - b.input)
		}
		return cmpI64(a.line, b.line)
	})
	cls, why := w.classify()
	aw := AmbiguousWrites{}
	type epKey struct{ m, p string }
	eps := map[epKey]*EndpointCount{}
	clients := map[string]struct{}{}
	seen := map[string]bool{} // client and endpoint with an ambiguous attempt already
	dup := map[epKey]bool{}   // endpoints that answered 409 to a duplicate
	epRT := map[epKey][]int64{}
	for _, r := range w.writes {
		k := epKey{r.method, r.path}
		if r.status == 409 {
			dup[k] = true
		}
		if r.status >= 200 && r.status < 400 {
			epRT[k] = append(epRT[k], r.end-r.start)
		}
	}
	// How long PHP may still run a write after its client left: the p95
	// time of the endpoint's successful writes.
	epP95 := map[epKey]int64{}
	for k, v := range epRT {
		slices.Sort(v)
		epP95[k] = v[len(v)*95/100]
	}
	for i, r := range w.writes {
		switch cls[i] {
		case wrClean:
			aw.CleanFailures++
		case wrLikelyFailed:
			aw.LikelyFailed++
		}
		if cls[i] != wrAmbiguous {
			continue
		}
		out := "none"
		var okStart int64 // when the retry that went through started
		for j := i + 1; j < len(w.writes); j++ {
			n := w.writes[j]
			if n.client != r.client || n.path != r.path || n.method != r.method {
				break
			}
			if n.start < r.end-1e9 {
				continue
			}
			if n.start > r.end+int64(wrRetryWithin) {
				break
			}
			out = retryOutcome(n.status)
			if out != "failed" {
				okStart = n.start
				break
			}
		}
		if out == "succeeded" && dup[epKey{r.method, r.path}] && okStart > max(w.runAt(r), r.end)+epP95[epKey{r.method, r.path}] {
			// The endpoint refuses duplicates (409), yet a retry that
			// came after PHP had run this attempt went through: this
			// attempt was not committed.
			aw.ResolvedByRetry++
			continue
		}
		if dup[epKey{r.method, r.path}] {
			// At most one attempt of a client commits on an endpoint that
			// refuses duplicates: the first that may have run stands for
			// the chain.
			ck := r.client + "\x00" + r.method + "\x00" + r.path
			if seen[ck] {
				aw.RepeatAttempts++
				continue
			}
			seen[ck] = true
		}
		aw.Count++
		clients[r.client] = struct{}{}
		k := epKey{r.method, r.path}
		e := eps[k]
		if e == nil {
			e = &EndpointCount{Method: r.method, Path: r.path}
			eps[k] = e
		}
		e.Count++
		if out != "none" {
			aw.Retried++
			e.Retried++
		}
		if out == "succeeded" || out == "already-done" {
			aw.RetriedOK++
			e.RetriedOK++
		}
		aw.Writes = append(aw.Writes, Write{
			At: time.Unix(0, r.end).UTC(), Client: r.client, Method: r.method, Path: r.path,
			Status: int(r.status), Reason: why[i], Retry: out,
		})
	}
	aw.Clients = int64(len(clients))
	for _, e := range eps {
		aw.ByEndpoint = append(aw.ByEndpoint, *e)
	}
	slices.SortFunc(aw.ByEndpoint, func(a, b EndpointCount) int {
		if a.Count != b.Count {
			return cmpI64(b.Count, a.Count)
		}
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	slices.SortStableFunc(aw.Writes, func(a, b Write) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		if c := strings.Compare(a.Client, b.Client); c != 0 {
			return c
		}
		return strings.Compare(a.Path, b.Path)
	})
	rep.AmbiguousWrites = aw
	if w.dropped > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d write requests beyond the first %d were not examined for ambiguous outcomes.", w.dropped, wrMaxWrites))
	}
	if w.connN > int64(len(w.conn)) {
		rep.Notes = append(rep.Notes, fmt.Sprintf("Only the first %d of %d connect() failures for writes were used to tell clean failures apart.", len(w.conn), w.connN))
	}
}
