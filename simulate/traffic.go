package simulate

import (
	"strconv"
	"time"
)

// visit is one page view about to start.
type visit struct {
	pop    population
	client int32
	path   string
	ep     endpoint
	ref    string
	post   bool
	// notFound: a path nginx answers 404 without PHP
	notFound bool
}

// arrivals generates the page views of the second starting at sec.
func (s *sim) arrivals(sec int64) {
	clock := s.clock(sec)
	var vs []visit
	n := s.poisson(s.o.Baseline * daily(clock))
	for i := 0; i < n; i++ {
		vs = append(vs, s.baselineVisit())
	}
	for k := range s.sc.Surges {
		sg := &s.sc.Surges[k]
		m := s.poisson(sg.rate(time.Duration(sec-s.wall(sg.At)), s.o.SurgeFactor))
		for i := 0; i < m; i++ {
			vs = append(vs, s.surgeVisit(sg.Kind))
		}
	}
	if s.o.WaitingRoomRPS > 0 {
		// Everyone joins the back of the room; the room admits a fixed
		// number a second, oldest first. Who waits is not logged by nginx.
		s.waitQ = append(s.waitQ, vs...)
		admit := int(s.o.WaitingRoomRPS)
		if s.rng.Float64() < s.o.WaitingRoomRPS-float64(admit) {
			admit++
		}
		admit = min(admit, len(s.waitQ)-s.waitH)
		vs = append([]visit(nil), s.waitQ[s.waitH:s.waitH+admit]...)
		s.waitH += admit
		if s.waitH > 4096 && s.waitH*2 > len(s.waitQ) {
			n := copy(s.waitQ, s.waitQ[s.waitH:])
			s.waitQ, s.waitH = s.waitQ[:n], 0
		}
	}
	for i := range vs {
		at := sec + s.rng.Int64N(1e9)
		s.startVisit(&vs[i], at)
	}
}

func (s *sim) newClient(ip string, ua int, returning bool) int32 {
	s.clients = append(s.clients, client{ip: ip, ua: uint8(ua), returning: returning})
	return int32(len(s.clients) - 1)
}

func (s *sim) freshClient(uas *weighted) int32 {
	ua := uas.pick(s.rng)
	var ip string
	if userAgents[ua].mobile && s.rng.Float64() < 0.45 || !userAgents[ua].mobile && s.rng.Float64() < 0.15 {
		ip = randIPv6(s.rng)
	} else {
		ip = randIPv4(s.rng)
	}
	return s.newClient(ip, ua, false)
}

func (s *sim) pagePath() (string, endpoint) {
	x := s.rng.Float64()
	switch {
	case x < 0.20:
		return "/", epHome
	case x < 0.48:
		return blogSlugs[s.rng.IntN(len(blogSlugs))], epArticle
	case x < 0.76:
		return "/product/" + strconv.Itoa(100+s.rng.IntN(400)), epProduct
	case x < 0.88:
		return categories[s.rng.IntN(len(categories))], epCategory
	case x < 0.94:
		return "/search?q=" + searchTerms[s.rng.IntN(len(searchTerms))], epSearch
	default:
		return "/cart", epCart
	}
}

func (s *sim) baselineVisit() visit {
	v := visit{pop: popBaseline}
	x := s.rng.Float64()
	switch {
	case x < 0.01: // vulnerability scanners: nginx answers 404 itself
		v.pop = popBot
		v.client = s.freshClient(&scannerUA)
		v.path = scanPaths[s.rng.IntN(len(scanPaths))]
		v.ref = "-"
		v.notFound = true
		return v
	case x < 0.08: // search-engine crawlers
		v.pop = popBot
		v.client = s.crawl[s.rng.IntN(len(s.crawl))]
		v.ref = "-"
	case x < 0.55 && len(s.regular) > 0:
		v.client = s.regular[s.rng.IntN(len(s.regular))]
	default:
		v.client = s.freshClient(&baselineHumanUA)
	}
	v.path, v.ep = s.pagePath()
	if v.pop == popBaseline {
		ri := baselineRef.pick(s.rng)
		if ri < 0 {
			p, _ := s.pagePath()
			v.ref = "https://" + s.o.Host + p
		} else {
			v.ref = referrers[ri]
		}
		if s.rng.Float64() < 0.015 {
			v.path, v.ep, v.post = "/subscribe", epSubscribe, true
			v.ref = "https://" + s.o.Host + "/"
		}
	}
	return v
}

func (s *sim) surgeVisit(k SurgeKind) visit {
	switch k {
	case SurgeLaunch:
		v := visit{pop: popLaunch, path: "/register", ep: epRegisterForm, ref: referrers[launchRef.pick(s.rng)]}
		if s.rng.Float64() < 0.1 && len(s.regular) > 0 {
			v.client = s.regular[s.rng.IntN(len(s.regular))]
		} else {
			v.client = s.freshClient(&launchUA)
		}
		return v
	case SurgeCrawler:
		v := visit{pop: popCrawler, ref: "-", client: s.scrape[s.rng.IntN(len(s.scrape))]}
		if s.rng.Float64() < 0.3 {
			v.path = "/search?q=" + searchTerms[s.rng.IntN(len(searchTerms))] + "&page=" + strconv.Itoa(1+s.rng.IntN(40))
			v.ep = epSearch
		} else {
			v.path = "/product/" + strconv.Itoa(100+s.rng.IntN(400)) + "?sort=price&page=" + strconv.Itoa(1+s.rng.IntN(60))
			v.ep = epProduct
		}
		return v
	default:
		v := visit{pop: popSocial, ref: referrers[socialRef.pick(s.rng)]}
		x := s.rng.Float64()
		switch {
		case x < 0.86:
			v.path, v.ep = viralPath, epArticle
		case x < 0.95:
			v.path, v.ep = "/", epHome
		default:
			v.path, v.ep = "/product/"+strconv.Itoa(100+s.rng.IntN(400)), epProduct
		}
		if s.rng.Float64() < 0.04 && len(s.regular) > 0 {
			v.client = s.regular[s.rng.IntN(len(s.regular))]
		} else {
			v.client = s.freshClient(&socialUA)
		}
		if s.rng.Float64() < 0.01 {
			v.path, v.ep, v.post = "/subscribe", epSubscribe, true
			v.ref = "https://" + s.o.Host + viralPath
		}
		return v
	}
}

func (s *sim) startVisit(v *visit, at int64) {
	i := s.newReq()
	r := &s.reqs[i]
	r.client = v.client
	r.path = v.path
	r.ep = v.ep
	r.referer = v.ref
	r.pop = v.pop
	r.post = v.post
	r.start = at
	s.nextConn++
	r.conn = s.nextConn
	r.h2 = userAgents[s.clients[v.client].ua].h2
	if v.notFound {
		s.sec(at).arrivals++
		r.start = at
		r.status = 404
		r.asset = 255
		r.mainQ = 162
		r.static = true
		s.push(at+ms(s.lognorm(1, 0.5)), evStaticDone, i, r.gen)
		return
	}
	s.push(at, evArrive, i, r.gen)
}

// retry makes the person try again after delayMs (median) with the
// scenario's retry probability times scale, less for each earlier retry.
func (s *sim) retry(r request, delayMs, scale float64) {
	if r.retries >= 6 {
		return
	}
	p := s.o.RetryProb * scale
	switch r.pop {
	case popBot:
		return
	case popCrawler:
		p = 0.5
	case popLaunch:
		delayMs = min(delayMs, 1500)
	}
	for k := uint8(0); k < r.retries; k++ {
		p *= 0.85
	}
	if s.rng.Float64() >= p {
		return
	}
	i := s.newReq()
	n := &s.reqs[i]
	n.client, n.path, n.ep, n.referer, n.pop, n.post = r.client, r.path, r.ep, r.referer, r.pop, r.post
	n.retries = r.retries + 1
	n.isRetry = true
	n.h2 = r.h2
	n.start = s.now + ms(s.lognorm(delayMs, 0.6))
	s.nextConn++
	n.conn = s.nextConn
	s.push(n.start, evArrive, i, n.gen)
}

func (s *sim) patience(r *request) int64 {
	switch r.pop {
	case popBot, popCrawler:
		return 300e9
	}
	med := 14000.0
	if userAgents[s.clients[r.client].ua].class == uaInApp {
		med = 9000
	}
	if r.post {
		med = 30000
	}
	if r.pop == popLaunch {
		med = 7000 // everyone wants a slot: "it hangs, click again"
	}
	return ms(s.lognorm(med, 0.7))
}

// arrive handles a PHP request reaching nginx.
func (s *sim) arrive(i int32) {
	r := &s.reqs[i]
	st := s.sec(s.now)
	st.arrivals++
	st.php++
	if r.isRetry {
		st.retries++
	}
	c := &s.clients[r.client]
	if s.o.LimitReqRPS > 0 {
		// nginx limit_req, nodelay: excess in milli-requests leaks at rate.
		el := (s.now - c.lrLast) / 1e6
		ex := c.lrExcess
		if c.lrLast != 0 {
			ex -= int64(s.o.LimitReqRPS * float64(el))
		}
		if ex < 0 {
			ex = 0
		}
		ex += 1000
		if ex > int64(s.o.LimitReqBurst)*1000 {
			rc := *r
			s.logLimited(r, ex)
			r.state = rsFinished
			s.respond(i, 503, 197, -1)
			s.retry(rc, 3000, 1)
			return
		}
		c.lrExcess, c.lrLast = ex, s.now
	}
	if s.o.MicrocacheTTL > 0 && !r.post && r.ep != epCart && r.ep != epRegisterForm {
		if e := s.cache[r.path]; e != nil {
			if s.now < e.expires || (e.updating && e.expires > 0) {
				r.cacheable = false
				s.respondAfter(i, 200, e.bytes, ms(s.lognorm(2, 0.4)))
				return
			}
			e.updating = true
		} else {
			s.cache[r.path] = &cacheEntry{updating: true}
		}
		r.cacheable = true
	}
	if !s.fpmConnect(i) {
		return
	}
	r = &s.reqs[i]
	r.upStart = s.now
	s.push(s.now+s.patience(r), evGiveUp, i, r.gen)
	s.push(s.now+int64(s.o.FastCGIReadTimeout), evReadTimeout, i, r.gen)
}

// respondAfter serves from nginx itself (cache hit) after d.
func (s *sim) respondAfter(i int32, status uint16, bytes int, d int64) {
	r := &s.reqs[i]
	r.static = true
	r.status = status
	r.asset = 255
	r.mainQ = int64(bytes)
	s.push(s.now+d, evStaticDone, i, r.gen)
}

// respond logs the access line of request i now. up is the upstream time in
// ns, or -1 for "-".
func (s *sim) respond(i int32, status uint16, bytes int, up int64) {
	r := &s.reqs[i]
	if r.responded {
		return
	}
	r.responded = true
	r.status = status
	r.respAt = s.now
	st := s.sec(s.now)
	st.responses++
	if status == 499 || status >= 500 {
		st.errors++
	}
	s.countStatus(status)
	if r.post {
		s.truth.Writes++
	}
	s.logAccess(r, status, bytes, s.now-r.start, up)
	if r.post && (status == 499 || status == 502 || status == 504) {
		if r.committed {
			s.addFailedWrite(r)
		} else if r.state == rsQueued || r.state == rsRunning {
			s.pending = append(s.pending, i)
		}
	}
	s.release(i)
}

func (s *sim) countStatus(st uint16) {
	c := &s.truth.Requests
	c.Total++
	switch {
	case st == 499:
		c.S499++
		c.S4xx++
	case st >= 500:
		c.S5xx++
	case st >= 400:
		c.S4xx++
	case st >= 300:
		c.S3xx++
	default:
		c.S2xx++
	}
}

// pageAssets schedules the static files a browser fetches after a page.
func (s *sim) pageAssets(r *request) {
	c := &s.clients[r.client]
	ua := userAgents[c.ua]
	if ua.class == uaCrawler || ua.class == uaTool {
		return
	}
	n := 4 + s.rng.IntN(6)
	if c.returning {
		n = s.rng.IntN(4)
	}
	t := s.now + ms(s.lognorm(60, 0.5))
	for k := 0; k < n; k++ {
		a := s.rng.IntN(len(assets))
		i := s.newReq()
		q := &s.reqs[i]
		q.client = r.client
		q.path = assets[a].path
		q.asset = uint8(a)
		q.static = true
		q.h2 = r.h2
		q.conn = r.conn
		q.referer = "https://" + s.o.Host + r.path
		q.start = t + ms(float64(k)*s.rng.Float64()*40)
		status := uint16(200)
		if c.returning && s.rng.Float64() < 0.6 {
			status = 304
		}
		q.status = status
		net := float64(assets[a].bytes) / 4e3 // 4 MB/s
		if ua.mobile {
			net = float64(assets[a].bytes) / 1e3
		}
		if status == 304 {
			net = 0
		}
		d := ms(s.lognorm(assets[a].ms, 0.4) + net*s.rng.Float64())
		s.sec(q.start).arrivals++
		s.push(q.start+d, evStaticDone, i, q.gen)
	}
}

// staticDone logs a static file or a cache hit.
func (s *sim) staticDone(i int32) {
	r := &s.reqs[i]
	r.state = rsFinished
	bytes := 0
	status := r.status
	if r.asset == 255 {
		bytes = int(r.mainQ)
		if status == 200 && !r.post {
			s.pageAssets(r) // reads r only; it may grow s.reqs
		}
	} else if status == 200 {
		bytes = assets[r.asset].bytes
	}
	s.respond(i, status, bytes, -1)
}

// --- access and nginx error lines ---

func (s *sim) logAccess(r *request, status uint16, bytes int, rt, up int64) {
	c := &s.clients[r.client]
	b := s.out.line[:0]
	b = append(b, c.ip...)
	b = append(b, " - - ["...)
	b = append(b, s.out.access.get(s.now)...)
	b = append(b, "] \""...)
	if r.post {
		b = append(b, "POST "...)
	} else {
		b = append(b, "GET "...)
	}
	b = append(b, r.path...)
	if r.h2 {
		b = append(b, " HTTP/2.0\" "...)
	} else {
		b = append(b, " HTTP/1.1\" "...)
	}
	b = strconv.AppendUint(b, uint64(status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(bytes), 10)
	b = append(b, " \""...)
	b = append(b, r.referer...)
	b = append(b, "\" \""...)
	b = append(b, userAgents[c.ua].s...)
	b = append(b, "\" "...)
	b = appFrac(b, rt, 3)
	b = append(b, ' ')
	if up < 0 {
		b = append(b, '-')
	} else {
		b = appFrac(b, up, 3)
	}
	s.out.emit(outAccess, b)
}

const fpmSocket = "unix:/run/php/php8.2-fpm.sock"

func (s *sim) nginxPrefix(level string, conn uint32) []byte {
	b := s.out.line[:0]
	b = append(b, s.out.nginx.get(s.now)...)
	b = append(b, " ["...)
	b = append(b, level...)
	b = append(b, "] "...)
	pid := s.nginxPID + 1 + int(conn%4)
	b = strconv.AppendInt(b, int64(pid), 10)
	b = append(b, '#')
	b = strconv.AppendInt(b, int64(pid), 10)
	b = append(b, ": "...)
	if conn > 0 {
		b = append(b, '*')
		b = strconv.AppendUint(b, uint64(conn), 10)
		b = append(b, ' ')
	}
	return b
}

// nginxContext appends ", client: …, server: …, request: …, upstream, host".
func (s *sim) nginxContext(b []byte, r *request, upstream bool) []byte {
	b = append(b, ", client: "...)
	b = append(b, s.clients[r.client].ip...)
	b = append(b, ", server: "...)
	b = append(b, s.o.Host...)
	b = append(b, ", request: \""...)
	if r.post {
		b = append(b, "POST "...)
	} else {
		b = append(b, "GET "...)
	}
	b = append(b, r.path...)
	if r.h2 {
		b = append(b, " HTTP/2.0\""...)
	} else {
		b = append(b, " HTTP/1.1\""...)
	}
	if upstream {
		b = append(b, ", upstream: \"fastcgi://"...)
		b = append(b, fpmSocket...)
		b = append(b, ":\""...)
	}
	b = append(b, ", host: \""...)
	b = append(b, s.o.Host...)
	b = append(b, '"')
	if r.referer != "-" && r.referer != "" {
		b = append(b, ", referrer: \""...)
		b = append(b, r.referer...)
		b = append(b, '"')
	}
	return b
}

// nginx error kinds.
const (
	ngxBacklog = iota
	ngxNoSocket
	ngxRefused
	ngxTimeout
	ngxPremature
	ngxReset
)

func (s *sim) logUpstreamError(r *request, kind int) {
	level := "error"
	if kind == ngxNoSocket {
		level = "crit"
	}
	b := s.nginxPrefix(level, r.conn)
	switch kind {
	case ngxBacklog:
		b = append(b, "connect() to "+fpmSocket+" failed (11: Resource temporarily unavailable) while connecting to upstream"...)
	case ngxNoSocket:
		b = append(b, "connect() to "+fpmSocket+" failed (2: No such file or directory) while connecting to upstream"...)
	case ngxRefused:
		b = append(b, "connect() to "+fpmSocket+" failed (111: Connection refused) while connecting to upstream"...)
	case ngxTimeout:
		b = append(b, "upstream timed out (110: Connection timed out) while reading response header from upstream"...)
	case ngxPremature:
		b = append(b, "upstream prematurely closed FastCGI stdout while reading response header from upstream"...)
	case ngxReset:
		b = append(b, "recv() failed (104: Connection reset by peer) while reading response header from upstream"...)
	}
	b = s.nginxContext(b, r, true)
	s.out.emit(outNginx, b)
}

func (s *sim) logPHPMessage(r *request, msg string) {
	b := s.nginxPrefix("error", r.conn)
	b = append(b, "FastCGI sent in stderr: \"PHP message: "...)
	b = append(b, msg...)
	b = append(b, "\" while reading response header from upstream"...)
	b = s.nginxContext(b, r, true)
	s.out.emit(outNginx, b)
}

func (s *sim) logLimited(r *request, excess int64) {
	b := s.nginxPrefix("error", r.conn)
	b = append(b, "limiting requests, excess: "...)
	b = appFrac(b, excess*1e6, 3)
	b = append(b, " by zone \"perip\""...)
	b = s.nginxContext(b, r, false)
	s.out.emit(outNginx, b)
}

// nginxNotice writes a line without connection context (signals, reloads).
func (s *sim) nginxNotice(level, msg string) {
	b := s.out.line[:0]
	b = append(b, s.out.nginx.get(s.now)...)
	b = append(b, " ["...)
	b = append(b, level...)
	b = append(b, "] "...)
	b = strconv.AppendInt(b, int64(s.nginxPID), 10)
	b = append(b, '#')
	b = strconv.AppendInt(b, int64(s.nginxPID), 10)
	b = append(b, ": "...)
	b = append(b, msg...)
	s.out.emit(outNginx, b)
}
