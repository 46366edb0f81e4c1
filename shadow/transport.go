package shadow

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Planner records a planned write and returns numbers for the ids of what
// it creates (Recorder).
type Planner interface {
	Plan(ctx context.Context, account, method, path string, body []byte, newIDs int) ([]int64, error)
}

// Answer is how a client's service would answer one write: it needs newIDs
// fresh numbers, and build makes the status and body from them.
type Answer struct {
	NewIDs int
	Build  func(nums []int64) (status int, body []byte)
}

// Transport is the HTTP layer of a client in shadow mode: reads go to Next;
// a write (any method but GET, HEAD, OPTIONS) from an activity whose flow
// Shadows accepts is recorded through Planner under Account and answered
// with Answer's made-up answer, never sent. A write outside an activity is
// answered Refusal when Shadows("") (the whole service is in shadow mode),
// and sent otherwise.
type Transport struct {
	Next    http.RoundTripper
	Planner Planner
	Shadows func(flow string) bool
	Account string
	// Root is the base URL's path, cut from request paths before they are
	// recorded and answered.
	Root string
	// Answer builds the answer to a write of path (without its query).
	Answer func(method, path string, body []byte) (Answer, error)
	// Refusal answers a write outside an activity: a status the client
	// takes as permanent, and a body in the service's shape.
	Refusal func(reason string) (status int, body []byte)
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return t.Next.RoundTrip(req)
	}
	ctx := req.Context()
	o, inActivity := OriginOf(ctx)
	if !t.Shadows(o.WorkflowType) { // "" outside an activity
		return t.Next.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	if !inActivity {
		status, b := t.Refusal(ErrNoActivity.Error())
		return Response(req, status, b), nil
	}
	path := strings.TrimPrefix(req.URL.Path, t.Root)
	ans, err := t.Answer(req.Method, path, body)
	if err != nil {
		// A body the client built and cannot read back: a bug, refused.
		status, b := t.Refusal("shadow mode: " + err.Error())
		return Response(req, status, b), nil
	}
	if req.URL.RawQuery != "" {
		path += "?" + req.URL.RawQuery
	}
	nums, err := t.Planner.Plan(ctx, t.Account, req.Method, path, body, ans.NewIDs)
	if err != nil {
		return nil, fmt.Errorf("shadow mode: recording the write: %w", err) // a transport error: retried
	}
	status, b := ans.Build(nums)
	return Response(req, status, b), nil
}

// Response is a made-up answer to req, marked X-Amoflow-Shadow: planned.
func Response(req *http.Request, status int, body []byte) *http.Response {
	h := http.Header{"X-Amoflow-Shadow": {"planned"}}
	if len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	return &http.Response{
		Status: strconv.Itoa(status) + " " + http.StatusText(status), StatusCode: status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: req,
	}
}
