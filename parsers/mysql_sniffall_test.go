package parsers

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMySQLPackageSniff: the package-level Sniff, which weighs every format,
// picks the MySQL kind for the MySQL samples and corpus files.
func TestMySQLPackageSniff(t *testing.T) {
	// Not here: mariadb11-journal.log mixes a systemd line with mariadbd
	// ones, so it is a journal for the syslog router to split (kind
	// kernel).
	files := []string{
		filepath.Join("testdata", "mysql-error", "mysql80-docker.log"),
		filepath.Join("testdata", "mysql-error", "mariadb10-edge.log"),
		filepath.Join("testdata", "mysql-slow", "mysql80-slow-extra.log"),
		filepath.Join("testdata", "mysql-slow", "mariadb-slow-crlf.log"),
	}
	for _, rel := range []string{
		"lnav/logfile_mysql_error.0", "lnav/logfile_mysql_slow.0",
		"percona-toolkit/errlogs/errlog001.txt", "percona-toolkit/errlogs/errlog004.txt", "percona-toolkit/errlogs/errlog007.txt",
		"percona-toolkit/slowlogs/slow002.txt", "percona-toolkit/slowlogs/slow034.txt", "percona-toolkit/slowlogs/mysql5.7.log",
	} {
		if _, err := os.Stat(mysqlCorpusDir); err == nil {
			files = append(files, filepath.Join(mysqlCorpusDir, rel))
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		want := KindMySQLError
		if filepath.Base(filepath.Dir(f)) == "mysql-slow" || filepath.Base(filepath.Dir(f)) == "slowlogs" || filepath.Base(f) == "logfile_mysql_slow.0" {
			want = KindMySQLSlow
		}
		kind, format, err := Sniff(mysqlLines(string(data)))
		if err != nil || kind != want {
			t.Errorf("%s: Sniff = %v %q %v, want %v", f, kind, format, err, want)
		}
	}
}
