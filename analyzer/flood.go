package analyzer

import (
	"fmt"
	"math"
	"sort"
)

// Composition is the mix of requests over a set of minutes, the input of
// the who-flooded detector. Maps hold counts; totals are the denominators.
type Composition struct {
	Requests int64            // all requests
	Pages    int64            // non-static requests (denominator of referrers and paths)
	Writes   int64            // write requests
	Referrer map[string]int64 // by referrer network
	Paths    map[string]int64 // normalised landing paths
	Clients  map[string]int64 // client addresses
	Prefixes map[string]int64 // /24 and /64
	UA       map[string]int64 // user-agent classes
	Minutes  int64            // minutes covered
}

// compose sums the composition windows of the minutes overlapping
// [from, to) that keep accepts.
func (st *State) compose(from, to int64, keep func(m int64) bool) Composition {
	c := Composition{Referrer: map[string]int64{}, Paths: map[string]int64{}, Clients: map[string]int64{}, Prefixes: map[string]int64{}, UA: map[string]int64{}}
	for m := floorDiv(from, compWidth); m <= floorDiv(to-1, compWidth); m++ {
		w := st.comp[m]
		if w == nil || (keep != nil && !keep(m)) {
			continue
		}
		c.Minutes++
		c.Requests += w.N
		c.Pages += w.Pages
		w.Ref.each(func(h string, n int64) { c.Referrer[st.network(h)] += n })
		if w.Ref.other > 0 {
			c.Referrer["(other)"] += w.Ref.other
		}
		addCounter(c.Paths, &w.Path)
		addCounter(c.Clients, &w.IP)
		addCounter(c.Prefixes, &w.P24)
		addCounter(c.Prefixes, &w.P64)
		for i, n := range w.UA {
			if n > 0 {
				c.UA[uaClass(i).String()] += n
			}
		}
	}
	from, to = max(from, st.Start), min(to, st.End+1)
	c.Writes = st.Sum(from, to).Writes
	return c
}

func addCounter(dst map[string]int64, c *counter) {
	c.each(func(k string, n int64) { dst[k] += n })
	if c.other > 0 {
		dst["(other)"] += c.other
	}
}

// shares turns counts into the top rows with shares and lift against the
// baseline composition; "(other)" rows are kept but never ranked first.
func shares(cur map[string]int64, curTotal int64, base map[string]int64, baseTotal int64, n int) []Share {
	rows := make([]kv, 0, len(cur))
	for k, v := range cur {
		if k == "(other)" {
			continue
		}
		rows = append(rows, kv{k, v})
	}
	sortKV(rows)
	if len(rows) > n {
		rows = rows[:n]
	}
	out := make([]Share, 0, len(rows))
	for _, r := range rows {
		s := Share{Key: r.k, Requests: r.n}
		if curTotal > 0 {
			s.Share = float64(r.n) / float64(curTotal)
		}
		if baseTotal > 0 {
			s.BaselineShare = float64(base[r.k]) / float64(baseTotal)
			s.Lift = s.Share / math.Max(s.BaselineShare, 1/float64(baseTotal))
		}
		out = append(out, s)
	}
	return out
}

// FloodFacts are the numbers the trigger classification uses.
type FloodFacts struct {
	PeakFactor, MeanFactor  float64
	SocialShare, SocialBase float64 // social-network referrers among page requests
	TopSocial               string  // the biggest social network
	TopSocialShare          float64
	TopSocialBase           float64
	InAppShare              float64 // Facebook/Instagram in-app browsers among requests
	BotShare, BotBase       float64 // crawler + tool user agents
	Top10Share, Top10Base   float64 // the ten busiest clients' share of requests
	TopPath                 string
	TopPathShare            float64
	TopPathBase             float64
	WriteShare, WriteBase   float64
	NewClientShare          float64
	Sudden                  bool // the first minute already reached half of the peak
	HasImpact               bool
	ClientsPerMin, BaseCPM  float64
	TopClientPerMin         float64
}

// classifyTrigger decides the trigger kind from the facts, with a
// confidence and plain-language evidence.
func classifyTrigger(f FloodFacts) Trigger {
	pct := func(x float64) string {
		if x > 0 && x < 0.01 {
			return fmt.Sprintf("%.1f%%", 100*x)
		}
		return fmt.Sprintf("%.0f%%", 100*x)
	}
	var t Trigger
	surge := f.PeakFactor >= 3
	switch {
	case !surge && f.HasImpact:
		t.Kind, t.Confidence = "backend-failure", 0.7
		t.Evidence = append(t.Evidence, fmt.Sprintf("Traffic stayed near normal (peak %s× the usual rate) while requests failed: the problem was inside the stack, not the demand.", fmtFactor(f.PeakFactor)))
	case f.BotShare >= 0.5 && f.BotShare >= 3*f.BotBase:
		t.Kind, t.Confidence = "bot-flood", math.Min(0.95, 0.5+f.BotShare/2)
		t.Evidence = append(t.Evidence, fmt.Sprintf("%s of requests came from crawlers and scripted tools, against %s before.", pct(f.BotShare), pct(f.BotBase)))
		if f.Top10Share >= 0.3 {
			t.Evidence = append(t.Evidence, fmt.Sprintf("The ten busiest addresses sent %s of all requests.", pct(f.Top10Share)))
		}
	case f.Top10Share >= 0.5 && f.Top10Share >= 2*f.Top10Base:
		t.Kind, t.Confidence = "few-sources", math.Min(0.9, 0.4+f.Top10Share/2)
		t.Evidence = append(t.Evidence, fmt.Sprintf("The ten busiest addresses sent %s of all requests, against %s before.", pct(f.Top10Share), pct(f.Top10Base)))
	case (f.SocialShare >= 0.3 && f.SocialShare >= 3*f.SocialBase) || f.InAppShare >= 0.3:
		t.Kind = "social-surge"
		t.Confidence = math.Min(0.95, 0.5+math.Max(f.SocialShare, f.InAppShare)/2)
		if f.TopSocial != "" {
			t.Evidence = append(t.Evidence, fmt.Sprintf("%s of page requests came from %s links, against %s before.", pct(f.TopSocialShare), f.TopSocial, pct(f.TopSocialBase)))
		}
		if f.InAppShare >= 0.1 {
			t.Evidence = append(t.Evidence, fmt.Sprintf("%s of requests came from in-app browsers (Facebook, Instagram).", pct(f.InAppShare)))
		}
	case (f.WriteShare >= 0.15 && f.WriteShare >= 3*f.WriteBase) || (f.Sudden && f.TopPathShare >= 0.3 && f.NewClientShare >= 0.5):
		t.Kind, t.Confidence = "launch-rush", 0.7
		if f.Sudden {
			t.Confidence = 0.8
		}
		t.Evidence = append(t.Evidence, fmt.Sprintf("%s of requests were writes (form submissions), against %s before.", pct(f.WriteShare), pct(f.WriteBase)))
	case surge:
		t.Kind, t.Confidence = "unknown", 0.3
	default:
		t.Kind, t.Confidence = "unknown", 0.2
	}
	if surge {
		t.Evidence = append(t.Evidence, fmt.Sprintf("Requests rose to %s× the normal rate at the peak (%s× on average during the incident).", fmtFactor(f.PeakFactor), fmtFactor(f.MeanFactor)))
	}
	if f.TopPath != "" && f.TopPathShare >= 0.2 {
		t.Evidence = append(t.Evidence, fmt.Sprintf("%s of page requests went to %s (%s before).", pct(f.TopPathShare), f.TopPath, pct(f.TopPathBase)))
	}
	if f.NewClientShare > 0 && surge {
		t.Evidence = append(t.Evidence, fmt.Sprintf("%s of the clients had not been seen before the incident.", pct(f.NewClientShare)))
	}
	if t.Kind == "launch-rush" && f.Sudden {
		t.Evidence = append(t.Evidence, "The rush arrived at once: the first minute already carried half of the peak rate.")
	}
	return t
}

// floodOf computes the composition of the incident against the baseline
// and the facts for the trigger.
func floodOf(st *State, sp Span) (Flood, FloodFacts) {
	end := sp.End
	if sp.Ongoing {
		end = st.End + 1
	}
	inSpan := func(m int64) bool {
		for _, s := range st.Spans {
			if m*compWidth+compWidth > s.Start && m*compWidth < s.End {
				return true
			}
		}
		return false
	}
	bf, bt := st.Baseline.From, st.Baseline.To
	if bt <= bf || bf >= sp.Start {
		bf, bt = max(st.Start, sp.Start-7200), sp.Start
	}
	base := st.compose(bf, bt, func(m int64) bool { return st.Baseline.Manual || !inSpan(m) })
	if base.Requests == 0 {
		base = st.compose(st.Start, sp.Start, func(m int64) bool { return !inSpan(m) })
	}
	cur := st.compose(sp.Start, end, nil)

	var f Flood
	var ff FloodFacts
	dur := float64(end - sp.Start)
	f.BaselineRPS = st.Baseline.RPS
	// Peak: the highest 10-second rate inside the incident.
	for t := sp.Start; t < end; t += 10 {
		h := st.Sum(t, min(t+10, end))
		if r := float64(h.Req) / float64(min(t+10, end)-t); r > f.PeakRPS {
			f.PeakRPS = r
		}
	}
	base0 := math.Max(st.Baseline.RPS, 0.01)
	f.Factor = f.PeakRPS / base0
	ff.PeakFactor = f.Factor
	ff.MeanFactor = float64(cur.Requests) / math.Max(dur, 1) / base0
	f.DistinctClients = st.Clients(sp.Start, end)
	if sp.Start > st.Start {
		before := st.Clients(st.Start, sp.Start)
		union := st.Clients(st.Start, end)
		if f.DistinctClients > 0 {
			f.NewClientShare = math.Max(0, math.Min(1, float64(union-before)/float64(f.DistinctClients)))
		}
	}
	ff.NewClientShare = f.NewClientShare

	f.TopReferrers = shares(cur.Referrer, cur.Pages, base.Referrer, base.Pages, 10)
	f.TopPaths = shares(cur.Paths, cur.Pages, base.Paths, base.Pages, 10)
	f.TopClients = shares(cur.Clients, cur.Requests, base.Clients, base.Requests, 10)
	f.TopPrefixes = shares(cur.Prefixes, cur.Requests, base.Prefixes, base.Requests, 10)
	f.UserAgentClasses = shares(cur.UA, cur.Requests, base.UA, base.Requests, int(nUAClasses))

	f.ClientRatePerMin = st.clientRates(sp.Start, end, nil)
	f.BaselineClientRatePerMin = st.clientRates(bf, bt, func(m int64) bool { return st.Baseline.Manual || !inSpan(m) })

	frac := func(m map[string]int64, total int64, keys ...string) float64 {
		if total == 0 {
			return 0
		}
		var s int64
		for _, k := range keys {
			s += m[k]
		}
		return float64(s) / float64(total)
	}
	socialOf := func(c Composition) (float64, string, int64) {
		var s, best int64
		bestK := ""
		keys := make([]string, 0, len(c.Referrer))
		for k := range c.Referrer {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if socialNetworks[k] {
				s += c.Referrer[k]
				if c.Referrer[k] > best {
					best, bestK = c.Referrer[k], k
				}
			}
		}
		if c.Pages == 0 {
			return 0, bestK, best
		}
		return float64(s) / float64(c.Pages), bestK, best
	}
	var best int64
	ff.SocialShare, ff.TopSocial, best = socialOf(cur)
	ff.SocialBase, _, _ = socialOf(base)
	if cur.Pages > 0 {
		ff.TopSocialShare = float64(best) / float64(cur.Pages)
	}
	if base.Pages > 0 && ff.TopSocial != "" {
		ff.TopSocialBase = float64(base.Referrer[ff.TopSocial]) / float64(base.Pages)
	}
	ff.InAppShare = frac(cur.UA, cur.Requests, "in-app-facebook", "in-app-instagram")
	ff.BotShare = frac(cur.UA, cur.Requests, "crawler", "tool")
	ff.BotBase = frac(base.UA, base.Requests, "crawler", "tool")
	top10 := func(c Composition) float64 {
		rows := make([]kv, 0, len(c.Clients))
		for k, v := range c.Clients {
			if k != "(other)" {
				rows = append(rows, kv{k, v})
			}
		}
		sortKV(rows)
		var s int64
		for i := 0; i < len(rows) && i < 10; i++ {
			s += rows[i].n
		}
		if c.Requests == 0 {
			return 0
		}
		return float64(s) / float64(c.Requests)
	}
	ff.Top10Share, ff.Top10Base = top10(cur), top10(base)
	if len(f.TopPaths) > 0 {
		ff.TopPath, ff.TopPathShare, ff.TopPathBase = f.TopPaths[0].Key, f.TopPaths[0].Share, f.TopPaths[0].BaselineShare
	}
	if cur.Requests > 0 {
		ff.WriteShare = float64(cur.Writes) / float64(cur.Requests)
	}
	if base.Requests > 0 {
		ff.WriteBase = float64(base.Writes) / float64(base.Requests)
	}
	first := st.Sum(sp.Start, min(sp.Start+60, end))
	ff.Sudden = f.PeakRPS > 0 && float64(first.Req)/60 >= 0.5*f.PeakRPS
	ff.HasImpact = sp.ImpactStart != 0
	if len(f.TopClients) > 0 && dur > 0 {
		ff.TopClientPerMin = float64(f.TopClients[0].Requests) / dur * 60
	}
	return f, ff
}

// incidentOf assembles the report's incident for a span.
func incidentOf(st *State, sp Span) Incident {
	inc := Incident{Start: unixUTC(sp.Start), PeakAt: unixUTC(sp.Peak)}
	end := sp.End
	if sp.Ongoing {
		end = st.End + 1
	} else {
		t := unixUTC(sp.End)
		inc.End = &t
	}
	var ff FloodFacts
	inc.Flood, ff = floodOf(st, sp)
	inc.Trigger = classifyTrigger(ff)
	if ff.TopClientPerMin >= 30 {
		inc.Trigger.Evidence = append(inc.Trigger.Evidence, fmt.Sprintf("The busiest client sent %.0f requests a minute.", ff.TopClientPerMin))
	}
	for _, s := range st.Saturations {
		if s.Start.Unix() < end && (s.End == nil || s.End.Unix() > sp.Start) {
			inc.Saturation = append(inc.Saturation, s)
		}
	}
	if inc.Saturation == nil {
		inc.Saturation = []Saturation{}
	}
	h := st.Sum(sp.Start, end)
	inc.Impact.FailedRequests = h.Failed()
	if h.Req > 0 {
		inc.Impact.ErrorRate = float64(h.Failed()) / float64(h.Req)
	}
	inc.Impact.AffectedClients = st.AffectedClients(sp.Start, end)
	thr := math.Max(0.05, 3*st.Baseline.ErrorRate)
	for t := sp.Start; t < end; t += 10 {
		p := st.Sum(t, min(t+10, end))
		bad := p.Req > 0 && float64(p.Failed())/float64(p.Req) >= thr
		if !bad && st.Baseline.P95Ms > 0 && p.LatN >= 3 {
			bad = st.Quantile(t, min(t+10, end), 0.95) > math.Max(3*st.Baseline.P95Ms, st.Baseline.P95Ms+1000)
		}
		if bad {
			inc.Impact.DegradedS += float64(min(t+10, end) - t)
		}
	}
	inc.Phases = phasesOf(st, sp, inc.Saturation)
	return inc
}

// phasesOf splits an incident into onset, saturation, mitigation, relapse
// and recovery, each kept only when it has a length.
func phasesOf(st *State, sp Span, sats []Saturation) []Phase {
	end := sp.End
	if sp.Ongoing {
		end = st.End + 1
	}
	satStart := int64(0)
	for _, s := range sats {
		if t := s.Start.Unix(); satStart == 0 || t < satStart {
			satStart = t
		}
	}
	if satStart == 0 || satStart < sp.Start {
		satStart = sp.ImpactStart
	}
	if satStart != 0 && satStart < sp.Start {
		satStart = sp.Start
	}
	var mit, rel int64
	for _, r := range st.Restarts {
		t := r.At.Unix()
		if t >= sp.Start && t < end && r.Kind != "reload" {
			mit = t
			if r.RelapseAfterS != nil {
				rel = t + int64(*r.RelapseAfterS)
			}
			break
		}
	}
	recov := sp.ImpactEnd
	if recov == 0 || recov <= sp.Start {
		recov = end
	}
	type cut struct {
		name string
		at   int64
	}
	cuts := []cut{{"onset", sp.Start}}
	if satStart != 0 {
		cuts = append(cuts, cut{"saturation", satStart})
	}
	if mit != 0 {
		cuts = append(cuts, cut{"mitigation", mit})
	}
	if rel != 0 {
		cuts = append(cuts, cut{"relapse", rel})
	}
	if recov < end {
		cuts = append(cuts, cut{"recovery", recov})
	}
	sort.SliceStable(cuts, func(i, j int) bool { return cuts[i].at < cuts[j].at })
	var out []Phase
	for i, c := range cuts {
		e := end
		if i+1 < len(cuts) {
			e = cuts[i+1].at
		}
		if e > c.at {
			out = append(out, Phase{Name: c.name, Start: unixUTC(c.at), End: unixUTC(e)})
		}
	}
	return out
}

// clientRates is the distribution of requests per client and minute over
// the minutes overlapping [from, to) that keep accepts. The counters keep a
// uniform hash sample of the clients beyond their cap, so the quantiles
// stay unbiased.
func (st *State) clientRates(from, to int64, keep func(m int64) bool) RateDistribution {
	var xs []float64
	for m := floorDiv(from, compWidth); m <= floorDiv(to-1, compWidth); m++ {
		w := st.comp[m]
		if w == nil || (keep != nil && !keep(m)) {
			continue
		}
		w.IP.counts(func(n int64) { xs = append(xs, float64(n)) })
	}
	if len(xs) == 0 {
		return RateDistribution{}
	}
	sort.Float64s(xs)
	q := func(p float64) float64 { return xs[min(len(xs)-1, int(p*float64(len(xs))))] }
	return RateDistribution{P50: q(0.5), P90: q(0.9), P99: q(0.99), Max: xs[len(xs)-1]}
}
