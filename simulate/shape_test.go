package simulate

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// corpus is the shared collection of real logs, read in place.
const corpus = "../../shared/corpus"

// shapes are the line shapes of real logs: each regexp must match the
// corpus samples named (proving it describes real lines) and every line of
// the same kind we write. Fields are compared one by one through the
// regexp's groups of literal separators.
var shapes = []struct {
	name    string
	corpus  string         // file under corpus
	pick    *regexp.Regexp // which corpus lines are this shape (nil = all non-empty)
	ours    string         // our file
	keep    func(l string) bool
	shape   *regexp.Regexp
	minHits int // corpus lines that must match
}{
	{
		name:   "access: combined fields as in lnav shop access log",
		corpus: "lnav/logfile_shop_access_log.0",
		ours:   FileAccess,
		// ip - user [dd/Mon/yyyy:hh:mm:ss +zzzz] "METHOD target HTTP/x" status bytes "referer" "ua"
		shape:   regexp.MustCompile(`^[0-9a-f.:]+ - - \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "[A-Z]+ /\S* HTTP/[12]\.[01]" \d{3} \d+ "[^"]*" "[^"]*"`),
		minHits: 1000,
	},
	{
		name:    "mysql 8 error log as in lnav mysql error log",
		corpus:  "lnav/logfile_mysql_error.0",
		ours:    FileMySQLError,
		keep:    func(l string) bool { return strings.HasPrefix(l, "20") && !strings.Contains(l, " UTC - ") },
		shape:   regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z \d+ \[(System|Warning|Note|ERROR)\] \[MY-\d{6}\] \[(Server|InnoDB)\] \S`),
		minHits: 4,
	},
	{
		name:    "mysql 8 slow log time header as in lnav mysql slow log",
		corpus:  "lnav/logfile_mysql_slow.0",
		pick:    regexp.MustCompile(`^# Time: `),
		ours:    FileMySQLSlow,
		keep:    func(l string) bool { return strings.HasPrefix(l, "# Time: ") },
		shape:   regexp.MustCompile(`^# Time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`),
		minHits: 3,
	},
	{
		name:    "mysql slow log user line as in lnav mysql slow log",
		corpus:  "lnav/logfile_mysql_slow.0",
		pick:    regexp.MustCompile(`^# User@Host: `),
		ours:    FileMySQLSlow,
		keep:    func(l string) bool { return strings.HasPrefix(l, "# User@Host: ") },
		shape:   regexp.MustCompile(`^# User@Host: \w+\[\w+\] @ localhost \[[0-9.]*\]  Id: {1,5}\d+$`),
		minHits: 3,
	},
	{
		name:    "mysql slow log timing line as in percona-toolkit mysql5.7.log",
		corpus:  "percona-toolkit/slowlogs/mysql5.7.log",
		pick:    regexp.MustCompile(`^# Query_time: `),
		ours:    FileMySQLSlow,
		keep:    func(l string) bool { return strings.HasPrefix(l, "# Query_time: ") },
		shape:   regexp.MustCompile(`^# Query_time: \d+\.\d{6}  Lock_time: \d+\.\d{6} Rows_sent: \d+  Rows_examined: \d+$`),
		minHits: 2,
	},
	{
		name:    "mysql slow log SET timestamp as in lnav mysql slow log",
		corpus:  "lnav/logfile_mysql_slow.0",
		pick:    regexp.MustCompile(`^SET timestamp=`),
		ours:    FileMySQLSlow,
		keep:    func(l string) bool { return strings.HasPrefix(l, "SET timestamp=") },
		shape:   regexp.MustCompile(`^SET timestamp=\d{10};$`),
		minHits: 3,
	},
	{
		name:    "mariadb slow log time header as in percona-toolkit slow-pt-243",
		corpus:  "percona-toolkit/slowlogs/slow-pt-243.txt",
		pick:    regexp.MustCompile(`^# Time: `),
		ours:    "mariadb/" + FileMySQLSlow,
		keep:    func(l string) bool { return strings.HasPrefix(l, "# Time: ") },
		shape:   regexp.MustCompile(`^# Time: \d{6} [ 12]\d:\d\d:\d\d$`),
		minHits: 1,
	},
	{
		name:    "mariadb slow log timing line as in percona-toolkit slow-pt-243",
		corpus:  "percona-toolkit/slowlogs/slow-pt-243.txt",
		pick:    regexp.MustCompile(`^# Query_time: `),
		ours:    "mariadb/" + FileMySQLSlow,
		keep:    func(l string) bool { return strings.HasPrefix(l, "# Query_time: ") },
		shape:   regexp.MustCompile(`^# Query_time: \d+\.\d{6}  Lock_time: \d+\.\d{6}  Rows_sent: \d+  Rows_examined: \d+`),
		minHits: 1,
	},
	{
		name:   "mariadb ready line and version line as in percona-toolkit errlog005",
		corpus: "percona-toolkit/errlogs/errlog005.txt",
		pick:   regexp.MustCompile(`ready for connections|^Version: `),
		ours:   "mariadb/" + FileMySQLError,
		keep: func(l string) bool {
			return strings.Contains(l, "ready for connections") || strings.HasPrefix(l, "Version: ")
		},
		shape:   regexp.MustCompile(`^(\d{4}-\d\d-\d\d [ 12]\d:\d\d:\d\d 0 |\d{6} [ 12]\d:\d\d:\d\d )\[Note\] /usr/sbin/(mysqld|mariadbd): ready for connections\.$|^Version: '[^']+'  socket: '[^']+'  port: 3306  .+$`),
		minHits: 2,
	},
	{
		name:    "nginx limit_req line as in fail2ban nginx-limit-req",
		corpus:  "fail2ban/nginx-limit-req",
		pick:    regexp.MustCompile(`limiting requests`),
		ours:    FileNginxError,
		keep:    func(l string) bool { return strings.Contains(l, "limiting requests") },
		shape:   regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[error\] \d+#\d+: \*\d+ limiting requests, excess: \d+\.\d{3} by zone "\w+", client: [0-9a-f.:]+, server: \S+, request: "[A-Z]+ \S+ HTTP/[12]\.[01]", host: "[^"]+"(, referrer: "[^"]*")?$`),
		minHits: 3,
	},
	{
		name:    "syslog lines as in lnav syslog",
		corpus:  "lnav/logfile_syslog.0",
		ours:    FileSyslog,
		shape:   regexp.MustCompile(`^[A-Z][a-z]{2} [ 1-3]\d \d\d:\d\d:\d\d [\w.-]+ [\w.-]+(\[\d+\])?: \S`),
		minHits: 3,
	},
}

func TestShapesMatchCorpus(t *testing.T) {
	if _, err := os.Stat(corpus); err != nil {
		t.Skipf("corpus not found at %s: %v", corpus, err)
	}
	// One run with every kind of line: limit_req for the 503 lines, an
	// OOM-prone machine for the kernel lines, a MySQL restart.
	dir, _ := runShort(t, "viral", 25*time.Minute, func(sc *Scenario) {
		sc.LimitReqRPS, sc.LimitReqBurst = 0.2, 2
		sc.Actions = append(sc.Actions, Action{At: hm(10, 10), Kind: ActionRestartMySQL})
	})
	// The same for MariaDB, with a restart for the error-log banner.
	maria, _ := runShort(t, "viral", 25*time.Minute, func(sc *Scenario) {
		sc.MySQLVersion = "mariadb"
	})
	if err := os.Symlink(maria, filepath.Join(dir, "mariadb")); err != nil {
		t.Fatal(err)
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			real, err := os.ReadFile(filepath.Join(corpus, sh.corpus))
			if err != nil {
				t.Fatal(err)
			}
			hits := 0
			for _, l := range strings.Split(string(real), "\n") {
				if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") && sh.pick == nil {
					continue
				}
				if sh.pick != nil && !sh.pick.MatchString(l) {
					continue
				}
				if sh.shape.MatchString(l) {
					hits++
				}
			}
			if hits < sh.minHits {
				t.Fatalf("the shape matches only %d real lines of %s (want %d): the shape is wrong, not our logs", hits, sh.corpus, sh.minHits)
			}
			ours, err := os.ReadFile(filepath.Join(dir, sh.ours))
			if err != nil {
				t.Fatal(err)
			}
			n, bad := 0, 0
			for _, l := range bytes.Split(ours, []byte("\n")) {
				s := string(l)
				if s == "" || (sh.keep != nil && !sh.keep(s)) {
					continue
				}
				if n++; n > 50000 {
					break // enough: the rest are written by the same code
				}
				if !sh.shape.MatchString(s) {
					if bad++; bad <= 3 {
						t.Errorf("%s line does not have the real shape: %q", sh.ours, s)
					}
				}
			}
			if n == 0 {
				t.Errorf("%s has no line of this shape", sh.ours)
			}
		})
	}
}
