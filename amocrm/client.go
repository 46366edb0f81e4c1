package amocrm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

const (
	userAgent = "amoflow"
	// Timeouts of amoCRM's official library.
	connectTimeout = 5 * time.Second
	requestTimeout = 20 * time.Second
	// maxAnswer bounds a read answer; a page of 250 leads is about 1 MB.
	maxAnswer = 32 << 20
)

// Client calls one amoCRM account's API v4. It is safe for concurrent use.
type Client struct {
	acct  Account
	base  string // BaseURL without a trailing slash
	root  string // BaseURL's path, e.g. "/sub" behind a test server
	creds Credentials
	hc    *http.Client
	gate  *gate
	// budget, when set, is the account's cluster-wide request budget.
	budget *Budget
	// breaker, when set, is the account's cluster-wide 403 circuit breaker.
	breaker *Breaker
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient replaces the default client (5 s connect, 20 s per request).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.hc = hc }
}

// WithLimiter replaces the account's shared per-process limiter.
func WithLimiter(l *rate.Limiter) Option {
	return func(c *Client) { c.gate = &gate{lim: l} }
}

// New returns a client of acct that authorizes with creds (normally a *TokenSource).
func New(acct Account, creds Credentials, opts ...Option) *Client {
	c := &Client{acct: acct, base: strings.TrimRight(acct.BaseURL, "/"), creds: creds}
	if u, err := url.Parse(c.base); err == nil {
		c.root = u.Path
	}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		c.hc = newHTTPClient()
	}
	if c.gate == nil {
		c.gate = sharedGate(acct)
	}
	budgetRPS.WithLabelValues(acct.Name).Set(acct.RPS)
	return c
}

// Account returns the account the client calls.
func (c *Client) Account() Account { return c.acct }

func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: connectTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = connectTimeout
	return &http.Client{Transport: t, Timeout: requestTimeout}
}

// do sends one API request and decodes a 2xx answer into out. It returns the
// status; a 204 leaves out untouched. A 401 triggers one renewal of the
// token and one retry, which is why the body is encoded once up front.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) (int, error) {
	op := method + " " + path
	var body []byte
	var err error
	if in != nil {
		if body, err = json.Marshal(in); err != nil {
			return 0, fmt.Errorf("amocrm: %s: encode request: %w", op, err)
		}
	}
	var probe bool
	if c.breaker != nil {
		if probe, err = c.breaker.admit(ctx); err != nil {
			return 0, err
		}
	}
	cred, err := c.creds.Credential(ctx)
	if err != nil {
		return 0, err
	}
	status, answer, err := c.send(ctx, op, method, path, query, body, cred, probe)
	if err == nil && status == http.StatusUnauthorized {
		if cred, err = c.creds.Renew(ctx, cred); err != nil {
			return 0, err
		}
		status, answer, err = c.send(ctx, op, method, path, query, body, cred, probe)
	}
	blocked := err == nil && blockedPage(status, answer)
	switch {
	case blocked && c.breaker != nil:
		return status, c.breaker.trip(ctx)
	case blocked:
		return status, &BlockedError{Account: c.acct.Name, Since: time.Now(), Wait: DefaultBlockCooldown}
	case probe && err == nil:
		c.breaker.passed(ctx)
	}
	switch {
	case err != nil:
		return 0, err
	case status == http.StatusNoContent:
		return status, nil
	case status < 200 || status > 299:
		return status, statusError(op, status, answer)
	}
	if out != nil && len(bytes.TrimSpace(answer)) > 0 {
		if err := json.Unmarshal(answer, out); err != nil {
			return status, &Error{Op: op, Status: status, Err: fmt.Errorf("decode answer: %w", err)}
		}
	}
	return status, nil
}

// send makes one attempt and reads the whole answer.
func (c *Client) send(ctx context.Context, op, method, path string, query url.Values, body []byte, cred Credential, probe bool) (int, []byte, error) {
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("amocrm: %s: %w", op, err)
	}
	req.Header.Set("Authorization", "Bearer "+cred.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	if err := c.gate.wait(ctx, c.budget); err != nil {
		return 0, nil, transportError(op, err)
	}
	start := time.Now()
	if c.breaker != nil && !probe {
		// The breaker may have opened while this request waited its turn.
		if err := c.breaker.stillClosed(); err != nil {
			return 0, nil, err
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.observe(method, path, 0, time.Since(start))
		return 0, nil, transportError(op, err)
	}
	defer resp.Body.Close()
	c.observe(method, path, resp.StatusCode, time.Since(start))
	if resp.StatusCode == http.StatusTooManyRequests {
		c.gate.backOff(time.Second)
		if c.budget != nil {
			c.budget.backOff(ctx, time.Second)
		}
	}
	if resp.StatusCode == http.StatusNoContent {
		return resp.StatusCode, nil, nil // never parsed
	}
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return 0, nil, transportError(op, err)
	}
	return resp.StatusCode, answer, nil
}
