// Package onecfake is an in-memory 1C HTTP API (docs/architecture.md#fakes) for
// tests and local work (amoflow fake-1c).
//
// It serves {base}EditStudent, EditPartner, EditApplication and EditCourse
// (GET ?uid= reads a stored object or answers 404; POST with the id field
// null creates the object under a new GUID, with a GUID replaces it) and
// lk_editdata (answers {"result":"ok"}), behind Basic auth when a username
// is configured. The path may have any prefix: the last segment names the
// method, so a base URL like http://host/base/ works.
//
// Every request is recorded with its raw body (Requests), so tests can check
// the field names (inn or INN), types (pass_serie string or number) and date
// formats 1C receives. SetFault injects failures: 500, 401, a timeout, an
// empty 200, a 200 with the zero GUID, or a lost answer (the request is
// done, then the connection dropped).
//
// Run as its own process, it also serves /_fake/: GET requests, DELETE
// requests (reset), GET objects/{method}, POST faults (a Fault as JSON),
// DELETE faults.
package onecfake

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"amoflow/secret"
)

// Methods and the id field each one allocates.
var idFields = map[string]string{
	"EditStudent":     "client_id_1C",
	"EditPartner":     "company_id_1C",
	"EditApplication": "lead_id_1C",
	"EditCourse":      "product_id_1C",
}

// Options configure a Server.
type Options struct {
	// Username and Password are the Basic credentials; an empty Username
	// accepts any request.
	Username, Password string
	// Now is the clock of the request log (default time.Now).
	Now func() time.Time
}

// Server is a fake 1C.
type Server struct {
	opts Options
	mux  *http.ServeMux

	mu       sync.Mutex
	objects  map[string]map[string]json.RawMessage // method → lower-case GUID → object
	requests []Request
	faults   []Fault
}

// Request is one recorded request.
type Request struct {
	Verb   string          `json:"verb"`   // GET or POST
	Method string          `json:"method"` // EditStudent, lk_editdata, …
	UID    string          `json:"uid,omitempty"`
	Body   json.RawMessage `json:"body,omitempty"` // as received (JSON)
	// ContentType and Accept are the request's headers; User its Basic user.
	ContentType string    `json:"content_type,omitempty"`
	Accept      string    `json:"accept,omitempty"`
	User        string    `json:"user,omitempty"`
	Status      int       `json:"status"`
	Time        time.Time `json:"time"`
}

// FaultKind is a failure the fake can inject.
type FaultKind string

// Faults.
const (
	Fail500 FaultKind = "500"
	Fail503 FaultKind = "503" // unavailable: nothing done
	// Gateway504 is a proxy in front of 1C giving up: 1C does the request,
	// the caller gets 504.
	Gateway504   FaultKind = "504"
	Unauthorized FaultKind = "401"
	Timeout      FaultKind = "timeout"   // hold the request until the client gives up (or Delay)
	EmptyOK      FaultKind = "empty"     // 200 with an empty body
	ZeroGUID     FaultKind = "zero_guid" // 200 with the zero GUID
	// LostAnswer does the request (a POST creates or replaces the object)
	// and then drops the connection without answering, as when the answer
	// is lost on the way back.
	LostAnswer FaultKind = "lost_answer"
)

// Fault injects a failure into the next Times matching requests (every
// request while Times is 0). An empty Method matches every method.
type Fault struct {
	Kind   FaultKind     `json:"kind"`
	Method string        `json:"method,omitempty"`
	Times  int           `json:"times,omitempty"`
	Delay  time.Duration `json:"delay,omitempty"` // Timeout: how long to hold (default 1 minute)
	used   int
}

// New returns a fake 1C.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{opts: opts, objects: map[string]map[string]json.RawMessage{}}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /_fake/requests", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, s.Requests()) })
	s.mux.HandleFunc("DELETE /_fake/requests", func(w http.ResponseWriter, r *http.Request) { s.ResetRequests(); w.WriteHeader(204) })
	s.mux.HandleFunc("GET /_fake/objects/{method}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, s.Objects(r.PathValue("method")))
	})
	s.mux.HandleFunc("POST /_fake/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if err := json.NewDecoder(r.Body).Decode(&f); err != nil || f.Kind == "" {
			http.Error(w, `want {"kind":"500|503|504|401|timeout|empty|zero_guid|lost_answer","method":"…","times":n}`, 400)
			return
		}
		s.SetFault(f)
		w.WriteHeader(204)
	})
	s.mux.HandleFunc("DELETE /_fake/faults", func(w http.ResponseWriter, r *http.Request) { s.ClearFaults(); w.WriteHeader(204) })
	s.mux.HandleFunc("/", s.api)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// SetFault adds a fault; faults apply in the order added.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Requests returns the request log, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// RequestsTo returns the logged requests of one method (EditStudent, …) and verb.
func (s *Server) RequestsTo(verb, method string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Method == method && (verb == "" || r.Verb == verb) {
			out = append(out, r)
		}
	}
	return out
}

// ResetRequests empties the request log.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// Objects returns the stored objects of a method, by GUID.
func (s *Server) Objects(method string) map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]json.RawMessage{}
	for k, v := range s.objects[method] {
		out[k] = v
	}
	return out
}

// Object returns a stored object.
func (s *Server) Object(method, uid string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objects[method][strings.ToLower(uid)]
	return o, ok
}

// Put stores an object (any JSON-encodable value) as 1C would on a POST and
// returns its GUID: the one in its id field, or a new one.
func (s *Server) Put(method string, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _, err := s.store(method, b)
	if err != nil {
		panic(err)
	}
	return id
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	method := path.Base(r.URL.Path)
	body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	rec := Request{Verb: r.Method, Method: method, UID: r.URL.Query().Get("uid"), Time: s.opts.Now(),
		ContentType: r.Header.Get("Content-Type"), Accept: r.Header.Get("Accept")}
	rec.User, _, _ = r.BasicAuth()
	if json.Valid(body) {
		rec.Body = body
	} else if len(body) > 0 {
		rec.Body, _ = json.Marshal(string(body))
	}
	status, answer := s.answer(r, method, body)
	if status == lost {
		status = 0
	}
	rec.Status = status
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()
	if status == 0 && answer != nil { // LostAnswer: done, then no answer
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = conn.Close()
		}
		return
	}
	if status == 0 { // the client went away during an injected timeout
		return
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="1C"`)
	}
	if answer != nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	w.Write(answer)
}

// answer decides the status and body of an API request.
func (s *Server) answer(r *http.Request, method string, body []byte) (int, []byte) {
	if !s.authorized(r) {
		return http.StatusUnauthorized, nil
	}
	if f, ok := s.fault(method); ok {
		switch f.Kind {
		case Fail500:
			return http.StatusInternalServerError, []byte(`{"error":"Внутренняя ошибка сервера 1С"}`)
		case Fail503:
			return http.StatusServiceUnavailable, []byte(`{"error":"Сервис недоступен"}`)
		case Gateway504:
			s.serve(r, method, body)
			return http.StatusGatewayTimeout, []byte(`<html><body>504 Gateway Time-out</body></html>`)
		case Unauthorized:
			return http.StatusUnauthorized, nil
		case Timeout:
			d := f.Delay
			if d <= 0 {
				d = time.Minute
			}
			select {
			case <-r.Context().Done():
				return 0, nil
			case <-time.After(d):
				return http.StatusGatewayTimeout, nil
			}
		case EmptyOK:
			return http.StatusOK, []byte{}
		case LostAnswer:
			_, answer := s.serve(r, method, body)
			if answer == nil {
				answer = []byte{}
			}
			return lost, answer
		case ZeroGUID:
			if field, ok := idFields[method]; ok {
				return http.StatusOK, []byte(`{"` + field + `":"00000000-0000-0000-0000-000000000000"}`)
			}
			return http.StatusOK, []byte(`{}`)
		}
	}
	if method == "lk_editdata" && r.Method == http.MethodPost {
		var req struct {
			Data struct {
				Contract struct {
					Action      string `json:"action"`
					ContractUID string `json:"contract_uid"`
					Otv         string `json:"otv"`
				} `json:"contract"`
			} `json:"data"`
		}
		if json.Unmarshal(body, &req) != nil || req.Data.Contract.Action == "" {
			return http.StatusBadRequest, []byte(`{"result":"error","error":"bad request"}`)
		}
		return http.StatusOK, []byte(`{"result":"ok"}`)
	}
	return s.serve(r, method, body)
}

// lost is the status answer gives for LostAnswer: the request was served,
// and the connection is to be dropped instead of answered.
const lost = -1

// serve does a GET or POST of an object method.
func (s *Server) serve(r *http.Request, method string, body []byte) (int, []byte) {
	field, ok := idFields[method]
	if !ok {
		return http.StatusNotFound, []byte(`{"error":"unknown method"}`)
	}
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		o, found := s.objects[method][strings.ToLower(r.URL.Query().Get("uid"))]
		s.mu.Unlock()
		if !found {
			return http.StatusNotFound, []byte(`{"error":"not found"}`)
		}
		return http.StatusOK, o
	case http.MethodPost:
		s.mu.Lock()
		id, _, err := s.store(method, body)
		s.mu.Unlock()
		if err != nil {
			return http.StatusBadRequest, []byte(`{"error":` + quote(err.Error()) + `}`)
		}
		return http.StatusOK, []byte(`{"` + field + `":"` + id + `"}`)
	}
	return http.StatusMethodNotAllowed, nil
}

// store saves a posted object under its GUID, allocating one when its id
// field is null or empty. Callers hold s.mu.
func (s *Server) store(method string, body []byte) (string, bool, error) {
	field := idFields[method]
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return "", false, fmt.Errorf("the body is not a JSON object")
	}
	var id string
	if raw, ok := obj[field]; ok {
		_ = json.Unmarshal(raw, &id) // not a string: no id, a create (as 1C does)
	}
	created := strings.TrimSpace(id) == ""
	if created {
		id = newGUID()
	}
	obj[field], _ = json.Marshal(id)
	stored, _ := json.Marshal(obj)
	if s.objects[method] == nil {
		s.objects[method] = map[string]json.RawMessage{}
	}
	s.objects[method][strings.ToLower(id)] = stored
	return id, created, nil
}

func (s *Server) authorized(r *http.Request) bool {
	if s.opts.Username == "" {
		return true
	}
	u, p, ok := r.BasicAuth()
	return ok && secret.Equal(u, s.opts.Username) && (p == s.opts.Password && p == "" || secret.Equal(p, s.opts.Password))
}

// fault takes the first fault matching method, counting its use.
func (s *Server) fault(method string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.faults {
		f := &s.faults[i]
		if f.Method != "" && f.Method != method {
			continue
		}
		f.used++
		out := *f
		if f.Times > 0 && f.used >= f.Times {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		return out, true
	}
	return Fault{}, false
}

func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
