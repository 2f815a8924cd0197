package simulate

import (
	"math/rand/v2"
	"strconv"
)

// uaClass is the kind of client a user agent belongs to.
type uaClass uint8

const (
	uaDesktop uaClass = iota
	uaMobile
	uaInApp
	uaCrawler
	uaTool
)

type userAgent struct {
	s      string
	class  uaClass
	mobile bool
	h2     bool // speaks HTTP/2
}

var userAgents = []userAgent{
	0:  {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36", uaDesktop, false, true},
	1:  {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0", uaDesktop, false, true},
	2:  {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", uaDesktop, false, true},
	3:  {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0", uaDesktop, false, true},
	4:  {"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", uaMobile, true, true},
	5:  {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36", uaMobile, true, true},
	6:  {"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.86 Mobile Safari/537.36", uaMobile, true, true},
	7:  {"Mozilla/5.0 (iPhone; CPU iPhone OS 18_0_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/487.0.0.43.111;FBBV/654823917;FBDV/iPhone14,5;FBMD/iPhone;FBSN/iOS;FBSV/18.0.1;FBSS/3;FBID/phone;FBLC/cs_CZ;FBOP/5;FBRV/657220111]", uaInApp, true, true},
	8:  {"Mozilla/5.0 (Linux; Android 14; SM-A546B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.86 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/488.0.0.64.77;]", uaInApp, true, true},
	9:  {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 354.0.0.20.95 (iPhone13,2; iOS 17_6_1; cs_CZ; cs; scale=3.00; 1170x2532; 652127542)", uaInApp, true, true},
	10: {"Mozilla/5.0 (Linux; Android 13; Pixel 7 Build/TQ3A.230901.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.58 Mobile Safari/537.36 Instagram 354.0.0.42.84 Android (33/13; 420dpi; 1080x2400; Google/google; Pixel 7; panther; panther; cs_CZ; 652127601)", uaInApp, true, true},
	11: {"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", uaCrawler, false, false},
	12: {"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", uaCrawler, false, false},
	13: {"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", uaCrawler, false, false},
	14: {"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", uaCrawler, false, false},
	15: {"curl/7.88.1", uaTool, false, false},
	16: {"python-requests/2.31.0", uaTool, false, false},
	17: {"Scrapy/2.11.0 (+https://scrapy.org)", uaTool, false, false},
	18: {"Mozilla/5.0 (Linux; Android 13; SM-G991B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", uaMobile, true, true},
	19: {"Mozilla/5.0 zgrab/0.x", uaTool, false, false},
}

// scanPaths are what vulnerability scanners probe on any site.
var scanPaths = []string{"/wp-login.php", "/.env", "/xmlrpc.php", "/.git/config", "/phpmyadmin/index.php", "/wp-admin/setup-config.php", "/admin/.env", "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php"}

// weighted is a cumulative weight table over indexes into some list.
type weighted struct {
	cum []float64
	idx []int
}

func mkWeighted(pairs ...float64) weighted {
	var w weighted
	sum := 0.0
	for i := 0; i+1 < len(pairs); i += 2 {
		sum += pairs[i+1]
		w.cum = append(w.cum, sum)
		w.idx = append(w.idx, int(pairs[i]))
	}
	for i := range w.cum {
		w.cum[i] /= sum
	}
	return w
}

func (w *weighted) pick(r *rand.Rand) int {
	x := r.Float64()
	for i, c := range w.cum {
		if x < c {
			return w.idx[i]
		}
	}
	return w.idx[len(w.idx)-1]
}

var (
	baselineHumanUA = mkWeighted(0, 22, 1, 6, 2, 7, 3, 5, 4, 20, 5, 12, 6, 10, 18, 4, 7, 5, 8, 4, 9, 3, 10, 2)
	socialUA        = mkWeighted(7, 30, 8, 18, 9, 8, 10, 5, 4, 14, 5, 7, 6, 4, 18, 2, 0, 7, 2, 3, 1, 2)
	launchUA        = mkWeighted(0, 30, 1, 8, 2, 10, 3, 6, 4, 22, 5, 10, 6, 8, 18, 3, 7, 3)
	crawlerUA       = mkWeighted(11, 50, 12, 25, 13, 15, 14, 10)
	scraperUA       = mkWeighted(16, 60, 17, 40)
	scannerUA       = mkWeighted(15, 30, 16, 30, 19, 40)
)

var referrers = []string{
	0:  "-",
	1:  "https://www.google.com/",
	2:  "https://www.bing.com/",
	3:  "https://duckduckgo.com/",
	4:  "https://www.facebook.com/",
	5:  "https://l.facebook.com/",
	6:  "https://m.facebook.com/",
	7:  "https://lm.facebook.com/",
	8:  "https://l.instagram.com/",
	9:  "https://t.co/",
	10: "https://www.reddit.com/",
	11: "https://news.ycombinator.com/",
	12: "https://www.idnes.cz/",
	13: "https://www.seznam.cz/",
	14: "https://mail.google.com/",
}

var (
	baselineRef = mkWeighted(0, 30, 1, 40, 2, 5, 3, 3, 4, 4, 13, 6, -1, 12) // -1: internal page
	socialRef   = mkWeighted(5, 34, 6, 18, 7, 10, 4, 4, 8, 12, 9, 8, 10, 7, 11, 2, 12, 5)
	launchRef   = mkWeighted(0, 45, 14, 30, 4, 10, 5, 8, 9, 7)
)

// Blog slugs and the viral article.
const viralPath = "/blog/2024/11/grandmas-plum-dumplings"

var blogSlugs = []string{
	"/blog/2024/10/autumn-jam-recipes", "/blog/2024/09/how-we-bake", "/blog/2024/11/christmas-orders",
	"/blog/2024/08/summer-fruit", "/blog/2024/07/sourdough-basics", "/blog/2024/06/our-story",
	"/blog/2024/11/new-shop-opening", "/blog/2024/05/gluten-free", "/blog/2024/04/easter-specials",
	"/blog/2024/03/spring-menu",
}

var categories = []string{"/category/cakes", "/category/bread", "/category/jams", "/category/gifts", "/category/seasonal", "/category/cookies"}

var searchTerms = []string{"plum", "dumplings", "cake", "gift+box", "jam", "sourdough", "christmas", "cookies", "gluten+free", "poppy+seed"}

// endpoint classes of PHP work.
type endpoint uint8

const (
	epHome endpoint = iota
	epArticle
	epProduct
	epCategory
	epSearch
	epCart
	epRegisterForm
	epRegisterPost
	epSubscribe
	epCount
)

type endpointCost struct {
	cpuMs   float64 // PHP time outside the database
	queries int
	qMs     float64 // per query, uncontended, warm cache
	bytes   int
	table   string // table the main query hits
	query   string // main query as logged in the slow log
	frames  []string
}

var endpointCosts = [epCount]endpointCost{
	epHome:         {110, 10, 5, 42311, "products", "SELECT p.id, p.name, p.price, i.path FROM products p JOIN images i ON i.product_id = p.id WHERE p.featured = 1 ORDER BY p.updated_at DESC LIMIT 12;", []string{"execute() /var/www/site/vendor/lib/Db.php:61", "all() /var/www/site/src/Repo/Products.php:40", "featured() /var/www/site/src/Page/Home.php:22"}},
	epArticle:      {120, 9, 5, 38544, "posts", "SELECT c.id, c.author, c.body, c.created_at FROM comments c WHERE c.post_id = 318 AND c.approved = 1 ORDER BY c.created_at;", []string{"execute() /var/www/site/vendor/lib/Db.php:61", "all() /var/www/site/src/Repo/Comments.php:33", "forPost() /var/www/site/src/Page/Article.php:57"}},
	epProduct:      {100, 12, 5, 51207, "products", "SELECT p.*, s.qty FROM products p LEFT JOIN stock s ON s.product_id = p.id WHERE p.slug = 'plum-cake' LIMIT 1;", []string{"execute() /var/www/site/vendor/lib/Db.php:61", "one() /var/www/site/src/Repo/Products.php:18", "bySlug() /var/www/site/src/Page/Product.php:30"}},
	epCategory:     {110, 12, 7, 64102, "products", "SELECT SQL_CALC_FOUND_ROWS p.id, p.name, p.price FROM products p JOIN product_category pc ON pc.product_id = p.id WHERE pc.category_id = 4 ORDER BY p.price LIMIT 0, 24;", []string{"execute() /var/www/site/vendor/lib/Db.php:61", "all() /var/www/site/src/Repo/Products.php:77", "inCategory() /var/www/site/src/Page/Category.php:25"}},
	epSearch:       {90, 3, 60, 28930, "products", "SELECT id, name, price FROM products WHERE name LIKE '%plum%' OR description LIKE '%plum%' ORDER BY name LIMIT 50;", []string{"execute() /var/www/site/vendor/lib/Db.php:61", "all() /var/www/site/src/Repo/Products.php:102", "search() /var/www/site/src/Page/Search.php:19"}},
	epCart:         {60, 4, 4, 12044, "carts", "SELECT ci.product_id, ci.qty FROM cart_items ci WHERE ci.cart_id = 88120;", []string{"execute() /var/www/site/vendor/lib/Db.php:61", "all() /var/www/site/src/Repo/Carts.php:27", "items() /var/www/site/src/Page/Cart.php:14"}},
	epRegisterForm: {40, 1, 3, 9120, "settings", "SELECT name, value FROM settings WHERE autoload = 1;", []string{"execute() /var/www/site/vendor/lib/Db.php:61", "all() /var/www/site/src/Settings.php:12", "load() /var/www/site/src/Page/Register.php:11"}},
	epRegisterPost: {150, 4, 8, 0, "registrations", "INSERT INTO registrations (email, name, slot_id, created_at) VALUES ('user@example.com', 'Jana', 17, NOW());", []string{"execute() /var/www/site/vendor/lib/Db.php:61", "insert() /var/www/site/src/Repo/Registrations.php:44", "create() /var/www/site/src/Page/Register.php:58"}},
	epSubscribe:    {50, 2, 5, 0, "subscribers", "INSERT INTO subscribers (email, created_at) VALUES ('reader@example.com', NOW());", []string{"execute() /var/www/site/vendor/lib/Db.php:61", "insert() /var/www/site/src/Repo/Subscribers.php:20", "add() /var/www/site/src/Page/Subscribe.php:16"}},
}

type asset struct {
	path  string
	bytes int
	ms    float64
}

var assets = []asset{
	{"/assets/css/site.4f2a9c.css", 48213, 2},
	{"/assets/js/app.91c3e0.js", 128455, 4},
	{"/assets/js/vendor.1b7e44.js", 301877, 8},
	{"/assets/fonts/inter-var.woff2", 98102, 3},
	{"/images/logo.svg", 6211, 1},
	{"/images/hero-dumplings.jpg", 412988, 14},
	{"/images/products/plum-cake-640.webp", 88311, 4},
	{"/favicon.ico", 15086, 1},
}

// client is one visitor: an address and a browser.
type client struct {
	ip         string
	ua         uint8
	returning  bool
	registered bool // a registration of theirs is committed
	// limit_req leaky bucket state (nginx semantics, excess in 1/1000 req).
	lrExcess int64
	lrLast   int64
}

var v4Prefixes = []int{31, 37, 46, 62, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 88, 89, 90, 91, 92, 93, 94, 95, 109, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217}
var v6Prefixes = []string{"2a00:1028:", "2a02:8308:", "2001:718:", "2a01:510:", "2a02:25b0:", "2a00:102a:", "2a02:768:"}

func randIPv4(r *rand.Rand) string {
	b := make([]byte, 0, 15)
	b = strconv.AppendInt(b, int64(v4Prefixes[r.IntN(len(v4Prefixes))]), 10)
	for i := 0; i < 3; i++ {
		b = append(b, '.')
		n := r.IntN(254)
		if i == 2 {
			n++
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return string(b)
}

func randIPv6(r *rand.Rand) string {
	b := make([]byte, 0, 39)
	b = append(b, v6Prefixes[r.IntN(len(v6Prefixes))]...)
	for i := 0; i < 6; i++ {
		if i > 0 {
			b = append(b, ':')
		}
		b = strconv.AppendUint(b, uint64(r.IntN(0xffff)+1), 16)
	}
	return string(b)
}
