// Package lokitest starts a real Grafana Loki server for tests: $LOKI_BIN
// (built by `make loki`, i.e. scripts/ensure-loki.sh) on 127.0.0.1 with free
// ports and a temp copy of the single-process filesystem config, stopped by
// its PID afterwards. It does not push or query; sources does.
//
// With POSTMORTEM_REQUIRE_REAL=1 (CI) a Loki that cannot start fails the
// test; otherwise the test is skipped.
package lokitest

import (
	"bytes"
	_ "embed"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// config is ../testdata/loki-local-config.yaml (a copy of
// shared/loki-local-config.yaml): auth off, old timestamps accepted and
// queried, ports and data dir from the environment.
//
//go:embed loki-local-config.yaml
var config []byte

// Server is a running Loki.
type Server struct {
	// URL is http://127.0.0.1:PORT.
	URL  string
	cmd  *exec.Cmd
	dir  string
	log  *syncWriter
	done chan struct{}
}

// Bin returns the Loki binary the tests use: $LOKI_BIN, else
// ~/.cache/postmortem/loki-v3.7.8.
func Bin() string {
	if b := os.Getenv("LOKI_BIN"); b != "" {
		return b
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "postmortem", "loki-v3.7.8")
}

// Unavailable skips t, or fails it when POSTMORTEM_REQUIRE_REAL=1.
func Unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("POSTMORTEM_REQUIRE_REAL") == "1" {
		t.Fatalf("real Loki required (POSTMORTEM_REQUIRE_REAL=1): %v", err)
	}
	t.Skipf("no real Loki: %v (run `make loki`)", err)
}

// New starts a Loki for t and stops it when t ends. auth turns on
// multi-tenancy (auth_enabled: true: X-Scope-OrgID required).
func New(t testing.TB, auth bool) *Server {
	t.Helper()
	s, err := Start(auth)
	if err != nil {
		Unavailable(t, err)
	}
	t.Cleanup(s.Stop)
	return s
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts a Loki and waits for /ready. The caller must Stop it.
func Start(auth bool) (*Server, error) {
	bin := Bin()
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("LOKI_BIN: %w", err)
	}
	cfg := config
	if auth {
		cfg = bytes.Replace(cfg, []byte("auth_enabled: false"), []byte("auth_enabled: true"), 1)
	}
	dir, err := os.MkdirTemp("", "postmortem-loki-")
	if err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(dir, "loki.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 { // a port taken between freePort and Loki's bind: try again
		httpPort, err1 := freePort()
		grpcPort, err2 := freePort()
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("free port: %v %v", err1, err2)
		}
		s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", httpPort), dir: dir, log: &syncWriter{w: &bytes.Buffer{}}, done: make(chan struct{})}
		s.cmd = exec.Command(bin, "-config.file="+cfgPath, "-config.expand-env=true")
		s.cmd.Env = append(os.Environ(),
			"LOKI_DATA_DIR="+filepath.Join(dir, "data"),
			fmt.Sprintf("LOKI_HTTP_PORT=%d", httpPort),
			fmt.Sprintf("LOKI_GRPC_PORT=%d", grpcPort))
		s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
		if err := s.cmd.Start(); err != nil {
			return nil, fmt.Errorf("start %s: %w", bin, err)
		}
		go func() { s.cmd.Wait(); close(s.done) }()
		if lastErr = s.waitReady(90 * time.Second); lastErr == nil {
			return s, nil
		}
		s.Kill()
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("loki exited before /ready: %s", s.LogTail())
		default:
		}
		resp, err := http.Get(s.URL + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("loki not ready after %v: %s", limit, s.LogTail())
}

// LogTail returns the end of Loki's output, for failure messages.
func (s *Server) LogTail() string {
	s.log.mu.Lock()
	l := s.log.w.String()
	s.log.mu.Unlock()
	if len(l) > 2000 {
		l = l[len(l)-2000:]
	}
	return strings.TrimSpace(l)
}

// Kill stops Loki at once (SIGKILL by its PID) and waits for it to exit.
func (s *Server) Kill() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
	}
	<-s.done
}

// Stop asks Loki to stop (SIGTERM by its PID), kills it after 10 s, and
// removes its data. It is safe to call more than once.
func (s *Server) Stop() {
	select {
	case <-s.done:
	default:
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.Kill()
		}
	}
	os.RemoveAll(s.dir)
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.w.Len() > 1<<20 {
		w.w.Reset()
	}
	return w.w.Write(p)
}
