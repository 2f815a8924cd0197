package reports

import (
	"math"
	"time"

	"github.com/postmortem/postmortem/analyzer"
)

// xss is log text that would run script if anything printed it unescaped
// into the page or into a chart's script element. The browser test checks
// that window.pmPwned stays undefined and no dialog opens.
const xss = `</script><script>window.pmPwned=true;alert(1)</script>`

// xssImg runs script where a renderer sets innerHTML (a chart tooltip, for
// instance), which a <script> element would not.
const xssImg = `<img src=x onerror="window.pmPwned=true">`

// t0 is the start of the synthetic logs.
var t0 = time.Date(2026, 3, 14, 9, 30, 0, 0, time.UTC)

func at(min, sec int) time.Time {
	return t0.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second)
}
func ptr[T any](v T) *T { return &v }

// richReport is an outage with everything the renderers can show: phases,
// two restarts (one relapsing), flood tables, saturation, ambiguous writes,
// capacity recommendations with config, repeats in the timeline, skipped
// lines, and hostile log text in a user agent, a path, a referrer, a
// timeline message, a skipped-line sample and a chart series name.
func richReport() *analyzer.Report {
	const bucket = 10.0
	n := 6 * 60 // one hour in 10 s buckets
	s := analyzer.Series{Start: t0, BucketS: bucket, PoolSize: 50}
	for _, p := range []*[]float64{&s.S2xx, &s.S3xx, &s.S4xx, &s.S5xx, &s.Writes, &s.P50Ms, &s.P95Ms, &s.P99Ms,
		&s.InFlight, &s.Clients, &s.FPMEvents, &s.MySQLEvents, &s.NginxErrors, &s.KernelEvents} {
		*p = make([]float64, n)
	}
	fb := make([]float64, n)
	goog := make([]float64, n)
	evil := make([]float64, n)
	for i := 0; i < n; i++ {
		m := float64(i) * bucket / 60 // minutes since t0
		base := 20 + 3*math.Sin(float64(i)/7)
		demand := base
		if m >= 15 {
			demand += 380 * (1 - math.Exp(-(m-15)/2))
		}
		// The pool serves at most ~60 req/s; the php-fpm restart at minute
		// 30 clears the queue for five minutes before it relapses.
		capRPS := 60.0
		if m >= 30 && m < 35 {
			capRPS = 150
		}
		ok := math.Min(demand, capRPS)
		s.S2xx[i] = ok * 0.9
		s.S3xx[i] = ok * 0.08
		s.S4xx[i] = ok * 0.02
		s.S5xx[i] = math.Max(0, demand-capRPS)
		if m >= 30 && m < 30.5 {
			s.S2xx[i], s.S5xx[i] = 0, demand // the restart itself
		}
		s.Writes[i] = demand * 0.05
		s.P50Ms[i] = 40 + 20*math.Min(1, demand/capRPS)
		s.P95Ms[i] = 120 + 2000*math.Max(0, math.Min(1, (demand-capRPS)/capRPS))
		s.P99Ms[i] = s.P95Ms[i] * 1.6
		s.InFlight[i] = math.Min(50, demand*0.15)
		s.Clients[i] = demand * 2
		if s.InFlight[i] >= 50 {
			s.FPMEvents[i] = 1
			s.NginxErrors[i] = math.Floor(s.S5xx[i] / 20)
		}
		if m >= 44 && m < 45 {
			s.MySQLEvents[i] = 3
		}
		if i == 200 {
			s.KernelEvents[i] = 1
		}
		fb[i] = math.Max(0, demand-base) * 0.7
		goog[i] = base * 0.3
		evil[i] = math.Max(0, demand-base) * 0.05
	}
	s.Referrers = []analyzer.NamedSeries{
		{Name: "Facebook", Values: fb},
		{Name: "Google", Values: goog},
		{Name: "evil " + xss + xssImg + " __f__ \u2028", Values: evil},
	}

	limit := int64(50)
	return &analyzer.Report{
		SchemaVersion: analyzer.SchemaVersion,
		Title:         "Shop outage, 14 March",
		Window:        analyzer.Window{Start: t0, End: t0.Add(time.Hour)},
		Inputs: []analyzer.Input{
			{
				Name: "/var/log/nginx/access.log", Kind: "access", Format: "nginx combined+request_time", TZ: "+01:00", TZSource: "log",
				Lines: 120345, Parsed: 120340, Skipped: 5, First: ptr(t0), Last: ptr(t0.Add(time.Hour)),
				SkipReasons: []analyzer.SkipReason{
					{Reason: "binary garbage (TLS on HTTP port)", Count: 3, Samples: []analyzer.Sample{{Line: 812, Text: "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"}}},
					{Reason: "bad status field", Count: 2, Samples: []analyzer.Sample{{Line: 9001, Text: `1.2.3.4 - - [14/Mar/2026:10:40:00 +0100] "GET /` + xss + ` HTTP/1.1" 2x0 12`}}},
				},
			},
			{
				Name: "/var/log/php8.2-fpm.log", Kind: "fpm", Format: "php-fpm", TZ: "Europe/Berlin", TZSource: "flag",
				Lines: 412, Parsed: 412, First: ptr(at(2, 0)), Last: ptr(at(58, 0)),
				Warnings: []string{"truncated gzip archive: read up to line 412"},
			},
		},
		Traffic: analyzer.Traffic{
			Requests: 120340, BaselineRPS: 20.4, PeakRPS: 398.6, PeakAt: ptr(at(27, 10)),
			Status: analyzer.StatusCounts{S2xx: 70100, S3xx: 6100, S4xx: 1540, S5xx: 42600},
			Writes: 6012, Bytes: 3 << 30, Clients: 18532, HasLatency: true, P50Ms: 55, P95Ms: 1840, P99Ms: 2950,
		},
		Incidents: []analyzer.Incident{{
			Start: at(16, 10), End: ptr(at(52, 30)), PeakAt: at(27, 10),
			Phases: []analyzer.Phase{
				{Name: "onset", Start: at(15, 0), End: at(17, 0)},
				{Name: "saturation", Start: at(17, 0), End: at(30, 0)},
				{Name: "mitigation", Start: at(30, 0), End: at(35, 0)},
				{Name: "relapse", Start: at(35, 0), End: at(50, 0)},
				{Name: "recovery", Start: at(50, 0), End: at(52, 30)},
			},
			Trigger: analyzer.Trigger{Kind: "social-surge", Confidence: 0.86, Evidence: []string{
				"62% of requests came from Facebook links, against 0.4% before.",
				"81% of the new clients use the Facebook in-app browser.",
			}},
			Flood: analyzer.Flood{
				PeakRPS: 398.6, BaselineRPS: 20.4, Factor: 19.5, DistinctClients: 15020, NewClientShare: 0.93,
				TopReferrers: []analyzer.Share{
					{Key: "Facebook", Requests: 52000, Share: 0.62, BaselineShare: 0.004, Lift: 155},
					{Key: "Google", Requests: 9000, Share: 0.11, BaselineShare: 0.35, Lift: 0.31},
					{Key: "evil.example " + xss, Requests: 800, Share: 0.0095, BaselineShare: 0, Lift: 0},
				},
				TopPaths: []analyzer.Share{
					{Key: "/blog/our-story", Requests: 48000, Share: 0.57, BaselineShare: 0.01, Lift: 57},
					{Key: "/" + xss, Requests: 12, Share: 0.0001, BaselineShare: 0, Lift: 0},
				},
				TopClients: []analyzer.Share{{Key: "203.0.113.7", Requests: 900, Share: 0.011, BaselineShare: 0.002, Lift: 5.5}},
				UserAgentClasses: []analyzer.Share{
					{Key: "in-app Facebook", Requests: 47000, Share: 0.56, BaselineShare: 0.01, Lift: 56},
					{Key: "Mozilla/5.0 " + xss + xssImg, Requests: 40, Share: 0.0005, BaselineShare: 0.0001, Lift: 5},
				},
			},
			Saturation: []analyzer.Saturation{
				{Resource: "php-fpm", Start: at(17, 20), End: ptr(at(50, 0)), Limit: &limit, Evidence: []string{
					"php8.2-fpm.log:88: [14-Mar-2026 10:47:20] WARNING: [pool www] server reached pm.max_children setting (50), consider raising it",
				}},
				{Resource: "nginx", Start: at(18, 0), End: ptr(at(49, 40)), Inferred: true, Evidence: []string{"502 share above 30% for 31 min"}},
			},
			Impact:  analyzer.Impact{FailedRequests: 42600, ErrorRate: 0.39, AffectedClients: 11210, DegradedS: 2180},
			Summary: "A Facebook post sent about 20 times the usual number of visitors to the blog, more than the PHP workers could serve.",
		}},
		Restarts: []analyzer.Restart{
			{
				At: at(30, 0), Service: "php-fpm", Kind: "manual", DownS: 2.4,
				Before: analyzer.Health{RPS: 61, ErrorRate: 0.84, P95Ms: 2100}, After: analyzer.Health{RPS: 148, ErrorRate: 0.62, P95Ms: 900},
				RelapseAfterS: ptr(300.0), DemandFactor: 19,
				Verdict:  "The PHP-FPM restart at 10:00 cleared the queue for 5 min; demand was still 19× normal, so PHP workers saturated again at 10:05.",
				Evidence: []string{"php8.2-fpm.log:201: [14-Mar-2026 10:00:00] NOTICE: Terminating ...", "php8.2-fpm.log:202: NOTICE: fpm is running, pid 4242"},
			},
			{
				At: at(45, 0), Service: "mysql", Kind: "crash", DownS: 14,
				Before: analyzer.Health{RPS: 60, ErrorRate: 0.8, P95Ms: 2100}, After: analyzer.Health{RPS: 55, ErrorRate: 0.82},
				Verdict: "MySQL crashed and restarted in 14 s; it changed nothing because PHP workers were the bottleneck.",
			},
		},
		RetryStorm: analyzer.RetryStorm{Detected: true, Amplification: 3.2, RetryShare: 0.21, Retries: 25200, Start: ptr(at(18, 0)), End: ptr(at(50, 0)),
			Evidence: []string{"21% of requests repeated the same path from the same client within 10 s of an error."}},
		AmbiguousWrites: analyzer.AmbiguousWrites{
			Count: 42, Clients: 39, Retried: 30, RetriedOK: 21, CleanFailures: 118,
			ByEndpoint: []analyzer.EndpointCount{
				{Method: "POST", Path: "/comment", Count: 30, Retried: 22, RetriedOK: 15},
				{Method: "POST", Path: "/" + xss, Count: 12, Retried: 8, RetriedOK: 6},
			},
			Writes: []analyzer.Write{
				{At: at(20, 5), Client: "198.51.100.4", Method: "POST", Path: "/comment", Status: 504, Reason: "504 after upstream timeout", Retry: "succeeded"},
				{At: at(21, 7), Client: "=cmd|' /C calc'!A0", Method: "POST", Path: "/" + xss, Status: 499, Reason: "499", Retry: "none"},
			},
		},
		Capacity: &analyzer.Capacity{
			SustainableRPS: 60, PeakDemandRPS: 398.6, Headroom: 6.6, WorkersNeeded: 140,
			Figures: []analyzer.Figure{
				{Name: "pm.max_children", Value: 50, Source: "log", Confidence: "high", Formula: "from 'server reached pm.max_children setting (50)'"},
				{Name: "worker RSS", Value: 64, Unit: "MiB", Source: "default", Confidence: "low", Formula: "no OOM line; default"},
			},
			Recommendations: []analyzer.Recommendation{
				{ID: "microcache", Title: "Cache anonymous pages for 10 s in nginx", Current: "no cache", Recommended: "fastcgi_cache 10 s",
					Formula: "hit ratio 94% measured on the stream", Effect: "Errors would have fallen from 39% to 0.2%.", Cost: "pages up to 10 s stale",
					ErrorRate: 0.002, P95Ms: 140, Chosen: true,
					Config: "fastcgi_cache_path /var/cache/nginx levels=1:2 keys_zone=micro:10m;\nfastcgi_cache micro;\nfastcgi_cache_valid 200 10s;\n"},
				{ID: "workers", Title: "Raise pm.max_children to 140", Current: "50", Recommended: "140", Effect: "Errors 4%: RAM limits the pool.",
					Cost: "9 GiB of RAM", ErrorRate: 0.04, P95Ms: 800, Config: "pm.max_children = 140"},
			},
		},
		Timeline: []analyzer.TimelineEntry{
			{At: at(15, 0), Source: "access", Kind: "surge", Severity: "warning", Count: 1, Message: "Requests rose to 5× normal"},
			{At: at(17, 20), Until: ptr(at(29, 50)), Source: "php-fpm", Kind: "max_children", Severity: "error", Count: 37,
				Message: "server reached pm.max_children", Evidence: "php8.2-fpm.log:88: WARNING: [pool www] server reached pm.max_children setting (50)"},
			{At: at(18, 0), Source: "nginx-error", Kind: "upstream", Severity: "error", Count: 1, Message: "GET " + xss + " upstream timed out",
				Evidence: "error.log:77: upstream timed out (110: Connection timed out) request: \"GET /" + xss + "\""},
			{At: at(30, 0), Source: "php-fpm", Kind: "restart", Severity: "critical", Count: 1, Message: "PHP-FPM restarted (manual)"},
			{At: at(45, 0), Until: ptr(at(45, 0)), Source: "mysql", Kind: "crash", Severity: "critical", Count: 1, Message: "mysqld got signal 11 | pipes `ticks`\nnewline"},
		},
		SlowQueries: []analyzer.QueryDigest{
			{Fingerprint: "SELECT * FROM wp_posts WHERE post_name = ?", Count: 812, TotalS: 1630, MeanS: 2.01, P95S: 4.2, RowsExamined: 9_200_000,
				Example: "SELECT * FROM wp_posts WHERE post_name = 'our-story'"},
		},
		Warnings: []string{"The php-fpm log has no zone; Europe/Berlin was taken from --tz."},
		Series:   s,
		Notes:    []string{"No $upstream_response_time: writes that failed before reaching PHP were told apart by the nginx error log."},
	}
}

// quietReport is a healthy day: no incident, no restart, nothing to fix.
func quietReport() *analyzer.Report {
	n := 60
	s := analyzer.Series{Start: t0, BucketS: 60}
	s.S2xx = make([]float64, n)
	s.S3xx = make([]float64, n)
	s.S4xx = make([]float64, n)
	s.S5xx = make([]float64, n)
	for i := range s.S2xx {
		s.S2xx[i] = 12 + 2*math.Sin(float64(i)/5)
		s.S3xx[i] = 1
		s.S4xx[i] = 0.2
	}
	return &analyzer.Report{
		SchemaVersion: analyzer.SchemaVersion,
		Window:        analyzer.Window{Start: t0, End: t0.Add(time.Hour)},
		Inputs: []analyzer.Input{{Name: "access.log", Kind: "access", Format: "nginx combined", TZ: "+00:00", TZSource: "log",
			Lines: 47000, Parsed: 47000, First: ptr(t0), Last: ptr(t0.Add(time.Hour))}},
		Traffic: analyzer.Traffic{Requests: 47000, BaselineRPS: 13, PeakRPS: 15, PeakAt: ptr(at(8, 0)),
			Status: analyzer.StatusCounts{S2xx: 43000, S3xx: 3600, S4xx: 400}, Clients: 2100},
		Series: s,
		Notes:  []string{"No $request_time in the access log: latency and in-flight requests are unknown."},
	}
}
