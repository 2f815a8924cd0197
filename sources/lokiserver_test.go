package sources

import (
	"bytes"
	"context"
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

// The real-Loki harness: $LOKI_BIN (built by `make loki`, i.e.
// scripts/ensure-loki.sh) is started on 127.0.0.1 with free ports and a temp
// copy of testdata/loki-local-config.yaml, and stopped by its PID when the
// tests end. With POSTMORTEM_REQUIRE_REAL=1 (CI) a Loki that cannot start
// fails the test; otherwise the test is skipped.

func TestMain(m *testing.M) {
	code := m.Run()
	lokiMu.Lock()
	for _, s := range lokiServers {
		s.stop()
	}
	lokiMu.Unlock()
	os.Exit(code)
}

type lokiServer struct {
	URL  string
	cmd  *exec.Cmd
	dir  string
	log  *syncWriter
	done chan struct{}
}

var (
	lokiMu      sync.Mutex
	lokiServers []*lokiServer
	sharedOnce  sync.Once
	shared      *lokiServer
	sharedErr   error
)

func lokiBin() string {
	if b := os.Getenv("LOKI_BIN"); b != "" {
		return b
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "postmortem", "loki-v3.7.8")
}

// lokiUnavailable skips, or fails when real parts are required.
func lokiUnavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("POSTMORTEM_REQUIRE_REAL") == "1" {
		t.Fatalf("real Loki required (POSTMORTEM_REQUIRE_REAL=1): %v", err)
	}
	t.Skipf("no real Loki: %v (run `make loki`)", err)
}

// sharedLoki returns the Loki shared by the tests that only push and read
// under their own labels.
func sharedLoki(t testing.TB) *lokiServer {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = startLoki(false) })
	if sharedErr != nil {
		lokiUnavailable(t, sharedErr)
	}
	return shared
}

// ownLoki starts a Loki for one test (to stop it, or with auth on).
func ownLoki(t *testing.T, auth bool) *lokiServer {
	t.Helper()
	s, err := startLoki(auth)
	if err != nil {
		lokiUnavailable(t, err)
	}
	t.Cleanup(s.stop)
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

func startLoki(auth bool) (*lokiServer, error) {
	bin := lokiBin()
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("LOKI_BIN: %w", err)
	}
	cfg, err := os.ReadFile("testdata/loki-local-config.yaml")
	if err != nil {
		return nil, err
	}
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
		s := &lokiServer{URL: fmt.Sprintf("http://127.0.0.1:%d", httpPort), dir: dir, log: &syncWriter{w: &bytes.Buffer{}}, done: make(chan struct{})}
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
		lokiMu.Lock()
		lokiServers = append(lokiServers, s)
		lokiMu.Unlock()
		if lastErr = s.waitReady(90 * time.Second); lastErr == nil {
			return s, nil
		}
		s.kill()
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func (s *lokiServer) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("loki exited before /ready: %s", s.logTail())
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
	return fmt.Errorf("loki not ready after %v: %s", limit, s.logTail())
}

func (s *lokiServer) logTail() string {
	s.log.mu.Lock()
	l := s.log.w.String()
	s.log.mu.Unlock()
	if len(l) > 2000 {
		l = l[len(l)-2000:]
	}
	return strings.TrimSpace(l)
}

// kill stops Loki at once by its PID and waits for it.
func (s *lokiServer) kill() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
	}
	<-s.done
}

// stop asks Loki to stop by its PID (SIGTERM), kills it after 10 s, and
// removes its data.
func (s *lokiServer) stop() {
	select {
	case <-s.done:
	default:
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			s.kill()
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

// pushLines pushes streams and fails the test on error.
func pushLines(t testing.TB, s *lokiServer, org string, streams ...PushStream) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := LokiPush(ctx, LokiOptions{URL: s.URL, Org: org}, streams); err != nil {
		t.Fatalf("push: %v", err)
	}
}
