package parsers

import (
	"fmt"
	"runtime"
	"testing"
	"time"
)

// Benchmarks of the access parsers on one core, a block of realistic lines
// per format (about five requests a second, so stamps repeat as in a real
// log). Besides MB/s of wall time, each reports cpu-MB/s: bytes per second
// of CPU time of the benchmark's thread, which holds on a busy machine.
// Figures for the report:
//
//	go test ./parsers -run XXX -bench Access -benchtime 2s
//	benchstat old.txt new.txt
var accessSink Access

var accessBenchUAs = []string{
	`Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/17.0;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]`,
	`Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36`,
	`Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)`,
	`curl/8.5.0`,
}

var accessBenchPaths = []string{
	"/blog/2024/10/why-our-site-went-viral?utm_source=facebook&utm_medium=social&fbclid=IwAR0abc",
	"/wp-content/themes/shop/assets/css/main.min.css?ver=6.4.2",
	"/register",
	"/api/cart/items/12345",
	"/",
}

// accessBenchLines renders n lines of format f.
func accessBenchLines(f AccessFormat, n int) [][]byte {
	t0 := time.Date(2024, 10, 21, 9, 0, 0, 0, time.FixedZone("", 2*3600))
	lines := make([][]byte, n)
	for i := range lines {
		ts := t0.Add(time.Duration(i/5) * time.Second)
		ip := fmt.Sprintf("203.0.%d.%d", i%7, 10+i%200)
		if i%9 == 0 {
			ip = fmt.Sprintf("2001:db8::%x:%x", i%100, i)
		}
		method := "GET"
		if i%11 == 0 {
			method = "POST"
		}
		path := accessBenchPaths[i%len(accessBenchPaths)]
		ua := accessBenchUAs[i%len(accessBenchUAs)]
		status := []int{200, 200, 200, 304, 404, 502}[i%6]
		size := 512 + i*37%40000
		ref := "https://www.facebook.com/"
		clf := ts.Format("02/Jan/2006:15:04:05 -0700")
		req := fmt.Sprintf("%s %s HTTP/1.1", method, path)
		combined := fmt.Sprintf(`%s - - [%s] "%s" %d %d "%s" "%s"`, ip, clf, req, status, size, ref, ua)
		rt := fmt.Sprintf("%d.%03d", i%3, i*7%1000)
		var s string
		switch f {
		case FormatNginxCombined, FormatApacheCombined:
			s = combined
		case FormatNginxCombinedTimed:
			s = combined + " " + rt
		case FormatNginxCombinedUpstream:
			if i%4 == 0 {
				s = combined + " " + rt + ` "0.004, 0.002 : 0.010"`
			} else {
				s = combined + " " + rt + " " + rt
			}
		case FormatNginxMain:
			s = combined + ` "-"`
		case FormatNginxMainTimed:
			s = combined + ` "198.51.100.7, 10.0.0.1" ` + rt
		case FormatNginxMainUpstream:
			s = combined + ` "198.51.100.7" ` + rt + " " + rt
		case FormatApacheCommon:
			s = fmt.Sprintf(`%s - - [%s] "%s" %d %d`, ip, clf, req, status, size)
		case FormatApacheCombinedD:
			s = combined + fmt.Sprintf(" %d", 100+i*131%900000)
		case FormatApacheCombinedT:
			s = combined + fmt.Sprintf(" %d", i%3)
		case FormatApacheVhostCombined:
			s = "shop.example.com:443 " + combined
		case FormatApacheVhostCombinedD:
			s = "shop.example.com:443 " + combined + fmt.Sprintf(" %d", 100+i*131%900000)
		case FormatJSON:
			s = fmt.Sprintf(`{"time_local":"%s","remote_addr":"%s","remote_user":"","request":"%s","status":"%d","body_bytes_sent":"%d","http_referer":"%s","http_user_agent":"%s","request_time":"%s","upstream_response_time":"%s"}`,
				clf, ip, req, status, size, ref, ua, rt, rt)
		}
		lines[i] = []byte(s)
	}
	return lines
}

func benchAccessLines(b *testing.B, p *AccessParser, lines [][]byte) {
	b.Helper()
	var n int64
	for _, l := range lines {
		n += int64(len(l)) + 1
	}
	var r Access
	for _, l := range lines {
		if err := p.Parse(l, &r); err != nil {
			b.Fatalf("%s: %v\n%s", p.Name(), err, l)
		}
	}
	b.SetBytes(n)
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU()
	loops := 0
	for b.Loop() {
		for _, l := range lines {
			_ = p.Parse(l, &r)
		}
		loops++
	}
	if cpu := threadCPU() - cpu0; cpu > 0 && cpu0 > 0 {
		b.ReportMetric(float64(n)*float64(loops)/(float64(cpu)/1e9)/1e6, "cpu-MB/s")
	}
	accessSink = r
}

func BenchmarkAccess(b *testing.B) {
	for f := FormatNginxMainUpstream; f < FormatCustom; f++ {
		lines := accessBenchLines(f, 1000)
		b.Run(f.String(), func(b *testing.B) { benchAccessLines(b, NewAccessParser(f), lines) })
	}
	custom, err := CompileLogFormat(`$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time $upstream_response_time`)
	if err != nil {
		b.Fatal(err)
	}
	lines := accessBenchLines(FormatNginxCombinedTimed, 1000)
	for i := range lines {
		lines[i] = append(lines[i], " 0.004"...)
	}
	b.Run("custom nginx log_format", func(b *testing.B) { benchAccessLines(b, custom, lines) })
}

// BenchmarkAccessEscaped measures the slow path: lines whose User-Agent and
// path need unescaping into the scratch buffer.
func BenchmarkAccessEscaped(b *testing.B) {
	lines := accessBenchLines(FormatApacheCombined, 1000)
	for i := range lines {
		lines[i] = []byte(string(lines[i][:len(lines[i])-1]) + ` \"quoted\" \xC3\xA9"`)
	}
	benchAccessLines(b, NewAccessParser(FormatApacheCombined), lines)
}

// BenchmarkAccessSniff measures choosing a format from 100 lines.
func BenchmarkAccessSniff(b *testing.B) {
	lines := accessBenchLines(FormatNginxCombinedUpstream, 100)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SniffAccess(lines); err != nil {
			b.Fatal(err)
		}
	}
}
