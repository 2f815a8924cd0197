package analyzer

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClassifyTrigger(t *testing.T) {
	tests := []struct {
		name     string
		f        FloodFacts
		kind     string
		evidence string // a fragment one evidence sentence must hold
	}{
		{"facebook surge", FloodFacts{PeakFactor: 23, MeanFactor: 12, SocialShare: 0.62, SocialBase: 0.004, TopSocial: "Facebook", TopSocialShare: 0.62, TopSocialBase: 0.004, InAppShare: 0.4, HasImpact: true},
			"social-surge", "62% of page requests came from Facebook links, against 0.4% before"},
		{"in-app browsers without referrers", FloodFacts{PeakFactor: 10, InAppShare: 0.5, HasImpact: true}, "social-surge", "in-app browsers"},
		{"crawler", FloodFacts{PeakFactor: 8, BotShare: 0.8, BotBase: 0.05, Top10Share: 0.9, HasImpact: true}, "bot-flood", "crawlers and scripted tools"},
		{"few sources, browser UA", FloodFacts{PeakFactor: 6, Top10Share: 0.7, Top10Base: 0.05, HasImpact: true}, "few-sources", "ten busiest addresses"},
		{"registration launch", FloodFacts{PeakFactor: 25, WriteShare: 0.4, WriteBase: 0.02, Sudden: true, NewClientShare: 0.9, TopPath: "/register", TopPathShare: 0.6, HasImpact: true},
			"launch-rush", "writes"},
		{"database died, traffic unchanged", FloodFacts{PeakFactor: 1.1, HasImpact: true}, "backend-failure", "near normal"},
		{"surge of unknown origin", FloodFacts{PeakFactor: 5, HasImpact: true}, "unknown", "5.0× the normal rate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := classifyTrigger(tc.f)
			if g.Kind != tc.kind {
				t.Errorf("kind = %q, want %q (evidence %q)", g.Kind, tc.kind, g.Evidence)
			}
			if g.Confidence <= 0 || g.Confidence > 1 {
				t.Errorf("confidence %v outside (0, 1]", g.Confidence)
			}
			if !strings.Contains(strings.Join(g.Evidence, " | "), tc.evidence) {
				t.Errorf("evidence %q lacks %q", g.Evidence, tc.evidence)
			}
		})
	}
}

func TestNetworkOf(t *testing.T) {
	for host, want := range map[string]string{
		"l.facebook.com": "Facebook", "m.facebook.com": "Facebook", "lm.facebook.com": "Facebook", "www.facebook.com": "Facebook",
		"t.co": "X (Twitter)", "x.com": "X (Twitter)", "l.instagram.com": "Instagram", "out.reddit.com": "Reddit",
		"www.google.de": "Google", "www.google.com": "Google", "news.ycombinator.com": "Hacker News", "www.example.org": "example.org",
		"(direct)": "(direct)", "dailynews.example": "news: dailynews.example",
	} {
		if got := networkOf(host); got != want {
			t.Errorf("networkOf(%q) = %q, want %q", host, got, want)
		}
	}
}

func TestClassifyUA(t *testing.T) {
	for ua, want := range map[string]uaClass{
		uaFBApp: uaInAppFacebook,
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 307.0.0.34.111": uaInAppInstagram,
		uaCurl: uaTool, "python-requests/2.31.0": uaTool, "Go-http-client/1.1": uaTool,
		uaGooglebot: uaCrawler, "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)": uaCrawler,
		uaIPhone: uaMobile, uaDesktopChrome: uaDesktop, "-": uaNone, "": uaNone,
	} {
		if got := classifyUA([]byte(ua)); got != want {
			t.Errorf("classifyUA(%q) = %v, want %v", ua, got, want)
		}
	}
}

func TestNormalizePathAndPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"/photo/4711": "/photo/:id", "/u/550e8400-e29b-41d4-a716-446655440000/edit": "/u/:id/edit",
		"/blog/my-post": "/blog/my-post", "/": "/", "": "/", "/a//b": "/a//b", "/cafe": "/cafe",
		"/order/deadbeefdeadbeef01": "/order/:id",
	} {
		if got := string(normalizePath(nil, []byte(in))); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"203.0.113.7": "203.0.113.0/24", "2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8::1": "2001:db8::/64", "not-an-ip": "", "::1": "::/64",
	} {
		if got := string(prefixOf(nil, []byte(in))); got != want {
			t.Errorf("prefixOf(%q) = %q, want %q", in, got, want)
		}
	}
	if got := string(refHost([]byte("https://l.facebook.com/l.php?u=x"))); got != "l.facebook.com" {
		t.Errorf("refHost = %q", got)
	}
}

// TestCounterOrderIndependent: the same keys added in different orders and
// split across counters merge to the same rows, also past the cap.
func TestCounterOrderIndependent(t *testing.T) {
	keys := make([]string, 0, 5000)
	for i := 0; i < 5000; i++ {
		keys = append(keys, fmt.Sprintf("10.0.%d.%d", i/250, i%250))
		if i%7 == 0 {
			keys = append(keys, "192.0.2.1") // a heavy hitter
		}
	}
	one := newCounter(100)
	for _, k := range keys {
		one.add([]byte(k), 1)
	}
	a, b, c := newCounter(100), newCounter(100), newCounter(100)
	for i := len(keys) - 1; i >= 0; i-- {
		switch i % 3 {
		case 0:
			a.add([]byte(keys[i]), 1)
		case 1:
			b.add([]byte(keys[i]), 1)
		default:
			c.add([]byte(keys[i]), 1)
		}
	}
	c.merge(&a)
	b.merge(&c)
	if len(one.m) > 100 || len(one.m) < 25 {
		t.Errorf("kept %d keys, want between cap/4 and cap", len(one.m))
	}
	if diff := cmp.Diff(one.rows(), b.rows(), cmp.AllowUnexported(kv{})); diff != "" {
		t.Errorf("rows differ by order (-one +merged):\n%s", diff)
	}
	if one.other != b.other {
		t.Errorf("other %d vs %d", one.other, b.other)
	}
	var sum int64
	for _, r := range one.rows() {
		sum += r.n
	}
	if sum+one.other != int64(len(keys)) {
		t.Errorf("kept + other = %d, want %d", sum+one.other, len(keys))
	}
}

// TestCounterPackedAddrs: addresses kept packed give the same rows, other
// and sample as the same keys kept as text, and only canonical text packs.
func TestCounterPackedAddrs(t *testing.T) {
	for _, k := range []string{"0.0.0.0", "1.2.3.4", "255.255.255.255", "10.20.30.0/24", "0.0.0.0/24"} {
		p, ok := packAddr([]byte(k))
		if !ok {
			t.Errorf("packAddr(%q) not packed", k)
			continue
		}
		if got := string(appendAddr(nil, p)); got != k {
			t.Errorf("appendAddr(packAddr(%q)) = %q", k, got)
		}
	}
	for _, k := range []string{"2001:db8:0:1:2:3:4:5", "2a00:102a:38f2:9aef:7e6f:774e:88f1:bebd", "2001:db8:a:b::/64", "0:0:0:0:0:0:0:0"} {
		p, ok := packAddr6([]byte(k))
		if !ok {
			t.Errorf("packAddr6(%q) not packed", k)
			continue
		}
		if got := string(appendAddr6(nil, p)); got != k {
			t.Errorf("appendAddr6(packAddr6(%q)) = %q", k, got)
		}
	}
	for _, k := range []string{"", "2001:db8::1", "2001:0db8:0:1:2:3:4:5", "2001:DB8:0:1:2:3:4:5", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1:2:3:4:ffff:ffff:ffff:ffff", "2001:db8:a:b::/48", "2001:db8:a::/64", "12345:1:2:3:4:5:6:7", "1.2.3.4"} {
		if _, ok := packAddr6([]byte(k)); ok {
			t.Errorf("packAddr6(%q) packed", k)
		}
	}
	for _, k := range []string{"", "1.2.3", "01.2.3.4", "1.2.3.256", "1.2.3.4.5", "1.2.3.4 ", "1..3.4", "1.2.3.0/25", "1.2.3.00/24", "::1", "1.2.3.1234", "host"} {
		if _, ok := packAddr([]byte(k)); ok {
			t.Errorf("packAddr(%q) packed", k)
		}
	}
	var keys []string
	for i := 0; i < 6000; i++ {
		switch i % 4 {
		case 0:
			keys = append(keys, fmt.Sprintf("10.%d.%d.%d", i/60000, i/250%240, i%250))
		case 1:
			keys = append(keys, fmt.Sprintf("10.1.%d.0/24", i%200))
		case 2:
			keys = append(keys, fmt.Sprintf("2001:db8::%x", i), fmt.Sprintf("2001:db8:%x:0:1:2:3:%x", i%7, i), fmt.Sprintf("2001:db8:%x:1::/64", i%50))
		default:
			keys = append(keys, "010.0.0.1") // not canonical: kept as text
		}
	}
	text := newCounter(300)
	for _, k := range keys {
		text.add([]byte(k), 1)
	}
	a, b := newCounter(300), newCounter(300)
	for i := len(keys) - 1; i >= 0; i-- {
		if i%2 == 0 {
			a.addAddr([]byte(keys[i]), 1)
		} else {
			b.addAddr([]byte(keys[i]), 1)
		}
	}
	b.merge(&a)
	if len(b.num) == 0 || len(b.wide) == 0 {
		t.Fatal("nothing packed")
	}
	if diff := cmp.Diff(text.rows(), b.rows(), cmp.AllowUnexported(kv{})); diff != "" {
		t.Errorf("packed rows differ (-text +packed):\n%s", diff)
	}
	if text.other != b.other || text.shift != b.shift {
		t.Errorf("other %d vs %d, shift %d vs %d", text.other, b.other, text.shift, b.shift)
	}
}
