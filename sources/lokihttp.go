package sources

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults for LokiOptions fields left at zero.
const (
	DefaultLokiParallel   = 4
	DefaultLokiLimit      = 5000 // Loki's default max_entries_limit_per_query
	DefaultLokiTimeout    = 60 * time.Second
	DefaultLokiRetries    = 4
	DefaultLokiMinBackoff = 500 * time.Millisecond
	maxLokiBackoff        = 15 * time.Second
	maxLokiBody           = 1 << 30
)

// LokiStats counts what a Loki client transferred; safe for concurrent use.
// Pass the same one to several calls to add them up.
type LokiStats struct {
	Requests atomic.Int64 // HTTP attempts, retries included
	Bytes    atomic.Int64 // response body bytes received (uncompressed by Go's transport)
	Sent     atomic.Int64 // request body bytes sent (push)
}

// lokiClient talks HTTP to Loki with timeouts and retries.
type lokiClient struct {
	stats      *LokiStats
	base       *url.URL // no user info: credentials travel in headers only
	hc         *http.Client
	org        string
	auth       string // Authorization header value
	timeout    time.Duration
	retries    int
	minBackoff time.Duration
}

func newLokiClient(opts LokiOptions) (*lokiClient, error) {
	if opts.URL == "" {
		return nil, errors.New("loki: no URL")
	}
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("loki: bad URL %q: want http(s)://host[:port][/prefix]", redactURL(opts.URL))
	}
	c := &lokiClient{stats: opts.Stats, org: opts.Org, timeout: opts.Timeout, retries: opts.Retries, minBackoff: opts.MinBackoff}
	user, pass := opts.User, opts.Password
	if u.User != nil { // http://user:pass@host: move to a header
		if user == "" {
			user = u.User.Username()
			pass, _ = u.User.Password()
		}
		u.User = nil
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	c.base = u
	switch {
	case opts.Token != "":
		c.auth = "Bearer " + opts.Token
	case user != "":
		req := http.Request{Header: http.Header{}}
		req.SetBasicAuth(user, pass)
		c.auth = req.Header.Get("Authorization")
	}
	if c.timeout <= 0 {
		c.timeout = DefaultLokiTimeout
	}
	switch {
	case c.retries == 0:
		c.retries = DefaultLokiRetries
	case c.retries < 0:
		c.retries = 0
	}
	if c.minBackoff <= 0 {
		c.minBackoff = DefaultLokiMinBackoff
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = max(opts.Parallel, DefaultLokiParallel) + 2
	if opts.CAFile != "" || opts.CertFile != "" || opts.KeyFile != "" || opts.InsecureSkipVerify {
		tc := &tls.Config{InsecureSkipVerify: opts.InsecureSkipVerify} //nolint:gosec // the user asked for it
		if opts.CAFile != "" {
			pem, err := os.ReadFile(opts.CAFile)
			if err != nil {
				return nil, fmt.Errorf("loki CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("loki CA %s: no PEM certificate found", opts.CAFile)
			}
			tc.RootCAs = pool
		}
		if opts.CertFile != "" || opts.KeyFile != "" {
			cert, err := tls.LoadX509KeyPair(opts.CertFile, opts.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("loki client certificate: %w", err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		tr.TLSClientConfig = tc
	}
	c.hc = &http.Client{Transport: tr}
	return c, nil
}

// redactURL drops the password from a URL for messages.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return "…@" + s[i+1:]
	}
	return s
}

// statusError is a non-2xx answer from Loki, with Loki's own message.
type statusError struct {
	Status  int
	Message string
}

func (e *statusError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = "(empty body)"
	}
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), msg)
}

// lokiMessage extracts Loki's message from an error body (plain text, or
// JSON with "error"/"message").
func lokiMessage(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		var m struct{ Error, Message string }
		if json.Unmarshal(body, &m) == nil {
			if m.Error != "" {
				return m.Error
			}
			if m.Message != "" {
				return m.Message
			}
		}
	}
	s := string(body)
	if len(s) > 500 {
		s = s[:500] + "…"
	}
	return s
}

// retryable reports whether an attempt that failed with err may succeed
// later: 429, 5xx, a timeout, a connection error, a truncated body. A 4xx
// never is.
func retryable(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		return se.Status == http.StatusTooManyRequests || se.Status >= 500
	}
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &hn) {
		return false // a certificate does not fix itself
	}
	return true
}

// call performs one request with retries. decode parses a 2xx body; a body
// it cannot parse is treated as truncated and retried. what names the call
// in errors ("query_range", "push").
func (c *lokiClient) call(ctx context.Context, what, method, path string, params url.Values, body []byte, decode func([]byte) error) error {
	return c.callH(ctx, what, method, path, params, nil, body, decode)
}

// callH is call with extra request headers.
func (c *lokiClient) callH(ctx context.Context, what, method, path string, params url.Values, hdr http.Header, body []byte, decode func([]byte) error) error {
	u := *c.base
	u.Path += path
	if params != nil {
		u.RawQuery = params.Encode()
	}
	var last error
	for attempt := 0; ; attempt++ {
		retryAfter, err := c.once(ctx, method, u.String(), hdr, body, decode)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("loki %s: %w", what, ctx.Err())
		}
		last = err
		if !retryable(err) {
			return fmt.Errorf("loki %s: %w", what, err)
		}
		if attempt >= c.retries {
			break
		}
		d := c.minBackoff << attempt
		if d > maxLokiBackoff || d <= 0 {
			d = maxLokiBackoff
		}
		d = d/2 + rand.N(d/2+1) // jitter: spread retries of parallel shards
		if retryAfter > d {
			d = min(retryAfter, 2*maxLokiBackoff)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("loki %s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
	return fmt.Errorf("loki %s at %s: gave up after %d attempts: %w", what, c.base.Host, c.retries+1, last)
}

// once performs one attempt within the per-request timeout.
func (c *lokiClient) once(ctx context.Context, method, u string, hdr http.Header, body []byte, decode func([]byte) error) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rb io.Reader
	if body != nil {
		rb = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rb)
	if err != nil {
		return 0, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", "postmortem")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.org != "" {
		req.Header.Set("X-Scope-OrgID", c.org)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	if c.stats != nil {
		c.stats.Requests.Add(1)
		c.stats.Sent.Add(int64(len(body)))
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, c.netError(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxLokiBody))
	if c.stats != nil {
		c.stats.Bytes.Add(int64(len(data)))
	}
	if err != nil {
		return 0, fmt.Errorf("reading response (%d bytes received): %w", len(data), c.netError(ctx, err))
	}
	if resp.StatusCode/100 != 2 {
		var ra time.Duration
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			ra = time.Duration(s) * time.Second
		}
		return ra, &statusError{Status: resp.StatusCode, Message: lokiMessage(data)}
	}
	if decode != nil {
		if err := decode(data); err != nil {
			return 0, fmt.Errorf("bad or truncated response (%d bytes): %w", len(data), err)
		}
	}
	return 0, nil
}

// netError turns a transport error into a short message without the URL
// (which holds the whole query).
func (c *lokiClient) netError(ctx context.Context, err error) error {
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("no complete answer within %v (timeout)", c.timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
