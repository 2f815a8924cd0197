package analyzer

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// Retry-storm detection.
//
// Every dynamic request (not a static asset) leaves one 16-byte rtRec: a
// hash of (client, path), a hash of the client, its end second and whether it
// failed (499 or 5xx). Input arrives unordered, so nothing is decided while
// adding: finish sorts the records by (key, time) and counts, per key, the
// requests that came within rtWindow seconds after a failure of the same key.
//
// Memory bound, per aggregator: at most rtMaxRecs records (16 B each,
// 8 MiB), plus one counter per minute. Beyond the cap the
// state keeps a consistent sample of keys: a record is kept only when the top
// bits of its key hash fall below the current sampling threshold, and the
// threshold halves (dropping half the keys) whenever the cap is reached.
// Whole keys are kept or dropped, so retries inside a kept key are exact; the
// counts are scaled by the inverse sampling rate and the report says so.
const (
	rtWindow  = 10 // seconds after a failure in which a new request counts as a retry
	rtMaxRecs = 1 << 18
	// Detection thresholds over the storm window.
	rtMinRetries = 200
	rtMinShare   = 0.05
	rtMinAmp     = 1.2
)

type rtRec struct {
	key    uint64 // hash of client and path; low bit = failed
	client uint32 // hash of the client
	sec    uint32 // Unix second of the request's end
}

// rtState is the retry part of writesAgg.
type rtState struct {
	// sampled holds the dynamic requests (recs), whole (client, path) keys
	// sampled by hash once rtMaxRecs would be passed (shift).
	sampled[rtRec]
	all map[int64]int64
}

func newRTState() rtState {
	return rtState{sampled: sampled[rtRec]{limit: rtMaxRecs}, all: make(map[int64]int64)}
}

// sampleKey samples retry records by (client, path); the low bit (failed)
// does not take part.
func (r rtRec) sampleKey() uint64 { return r.key }

func (st *rtState) add(client, path []byte, sec int64, failed, dynamic bool) {
	st.all[sec/60]++
	if !dynamic || sec < 0 || sec > 1<<32-1 {
		return
	}
	ch := cwHash(cwFNV, client)
	k := cwHash(ch, path) &^ 1
	if !st.keeps(k) {
		return
	}
	if failed {
		k |= 1
	}
	st.sampled.add(rtRec{key: k, client: uint32(ch), sec: uint32(sec)})
}

func (st *rtState) merge(o *rtState) {
	for m, n := range o.all {
		st.all[m] += n
	}
	st.sampled.merge(&o.sampled)
}

// rtMinute is one minute of dynamic traffic as seen by the retry analysis.
type rtMinute struct {
	req, retries int64
	clients      map[uint32]struct{}
}

// retryResult is what finish derives; exported through Report.RetryStorm.
type retryResult struct {
	storm RetryStorm
	// retriesByMinute is kept for tests.
	retriesByMinute map[int64]int64
}

// analyzeRetries resolves the records into retries per minute and detects a
// storm: a run of minutes where retries are at least 5% of dynamic requests
// and at least 20 (scaled) a minute.
func (st *rtState) analyze(loc *time.Location) retryResult {
	recs := st.recs
	slices.SortFunc(recs, func(a, b rtRec) int {
		ka, kb := a.key&^1, b.key&^1
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		case a.sec != b.sec:
			return int(int64(a.sec) - int64(b.sec))
		}
		return int(a.key&1) - int(b.key&1)
	})
	scale := float64(uint64(1) << st.shift)
	mins := map[int64]*rtMinute{}
	minute := func(sec uint32) *rtMinute {
		m := int64(sec) / 60
		p := mins[m]
		if p == nil {
			p = &rtMinute{clients: map[uint32]struct{}{}}
			mins[m] = p
		}
		return p
	}
	var retries int64
	for i := 0; i < len(recs); {
		j := i
		lastFail := int64(-1 << 40)
		for ; j < len(recs) && recs[j].key&^1 == recs[i].key&^1; j++ {
			r := recs[j]
			m := minute(r.sec)
			m.req++
			m.clients[r.client] = struct{}{}
			// A request in the same second as the failure is not counted
			// (parallel requests of one page); a retry comes after it.
			if d := int64(r.sec) - lastFail; d >= 1 && d <= rtWindow {
				m.retries++
				retries++
			}
			if r.key&1 == 1 {
				lastFail = int64(r.sec)
			}
		}
		i = j
	}
	res := retryResult{retriesByMinute: map[int64]int64{}}
	keys := make([]int64, 0, len(mins))
	for k, m := range mins {
		keys = append(keys, k)
		res.retriesByMinute[k] = int64(float64(m.retries) * scale)
	}
	sort.Slice(keys, func(a, b int) bool { return keys[a] < keys[b] })
	if len(keys) == 0 {
		return res
	}
	// Baseline requests per client per minute: the median over minutes
	// without a noticeable share of retries.
	var base []float64
	for _, k := range keys {
		m := mins[k]
		if len(m.clients) > 0 && float64(m.retries) < 0.01*float64(m.req)+1 {
			base = append(base, float64(m.req)/float64(len(m.clients)))
		}
	}
	baseRPC := cwMedian(base)
	stormy := func(m *rtMinute) bool {
		r := float64(m.retries) * scale
		return r >= 20 && float64(m.retries) >= 0.05*float64(m.req)
	}
	// The storm is the longest run of stormy minutes (gaps of up to two
	// quiet minutes bridged); ties go to the earlier run.
	bestS, bestE, bestN := int64(0), int64(-1), int64(0)
	for i := 0; i < len(keys); {
		if !stormy(mins[keys[i]]) {
			i++
			continue
		}
		s, e := keys[i], keys[i]
		var n int64
		j := i
		for ; j < len(keys) && keys[j]-e <= 3; j++ {
			if stormy(mins[keys[j]]) {
				e = keys[j]
			}
		}
		for k := i; k < j && keys[k] <= e; k++ {
			n += mins[keys[k]].retries
		}
		if n > bestN {
			bestS, bestE, bestN = s, e, n
		}
		i = j
	}
	rs := &res.storm
	rs.Retries = int64(float64(retries) * scale)
	if bestE < bestS {
		return res
	}
	var req, ret int64
	var all int64
	var rpc []float64
	for _, k := range keys {
		if k < bestS || k > bestE {
			continue
		}
		m := mins[k]
		req += m.req
		ret += m.retries
		all += st.all[k]
		if len(m.clients) > 0 {
			rpc = append(rpc, float64(m.req)/float64(len(m.clients)))
		}
	}
	sret := float64(ret) * scale
	if all == 0 {
		all = int64(float64(req) * scale)
	}
	rs.RetryShare = cwRound4(sret / float64(all))
	if baseRPC > 0 {
		rs.Amplification = cwRound2(cwMean(rpc) / baseRPC)
	}
	// A storm is retries that matter: at least rtMinRetries of them, at
	// least rtMinShare of the traffic, and clients asking noticeably more
	// often than in quiet minutes.
	rs.Detected = sret >= rtMinRetries && rs.RetryShare >= rtMinShare && rs.Amplification >= rtMinAmp
	// Retries counts the storm's own retries, as the evidence does.
	rs.Retries = int64(sret)
	start := time.Unix(bestS*60, 0).UTC()
	end := time.Unix((bestE+1)*60, 0).UTC()
	rs.Start, rs.End = &start, &end
	dur := end.Sub(start)
	rs.Evidence = append(rs.Evidence,
		fmt.Sprintf("From %s to %s, %.0f requests (%.1f%% of all requests) repeated a page the same client had just been refused (499 or 5xx) within %d s; %.0f such retries over the whole log.",
			start.In(loc).Format("15:04"), end.In(loc).Format("15:04"), sret, 100*rs.RetryShare, rtWindow, float64(retries)*scale),
		fmt.Sprintf("Each client sent %.1f dynamic requests a minute during those %s, against %.1f in quiet minutes (amplification %.1f×).",
			cwMean(rpc), dur, baseRPC, rs.Amplification))
	if st.shift > 0 {
		rs.Evidence = append(rs.Evidence, fmt.Sprintf("Counted on a sample of 1 in %d (client, path) pairs to bound memory; figures are scaled.", 1<<st.shift))
	}
	return res
}

func cwMedian(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func cwMean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func cwRound2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }
func cwRound4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }

// FNV-1a, finished with a splitmix64 step so that the top bits (used for
// sampling) are well mixed. Deterministic across runs, unlike maphash.
const cwFNV = 14695981039346656037

func cwHash(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= 0xff // separator, so ("ab","c") differs from ("a","bc")
	h *= 1099511628211
	return cwMix(h)
}

func cwMix(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	z ^= z >> 31
	return z
}
