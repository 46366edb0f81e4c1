package starter

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"amoflow/mq"
	"amoflow/workflows"
)

// publishTimeout bounds the wait for the broker's confirmation.
const publishTimeout = 5 * time.Second

// forms takes a site form (docs/flows.md#site-form): POST /v1/forms answers 202
// with the job; the legacy POST /amo/index.php answers like the old PHP
// endpoint (docs/flows.md#form-endpoints): 404 "no post" without method=siteform, 200 "Ok" once
// stored. Errors are problem JSON on both.
func (s *server) forms(legacy bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		honeypot := s.cfg.Inbound.HoneypotField
		raw, p := readForm(r, func(k string) bool { return wanted(k) || (honeypot != "" && k == honeypot) })
		if p != nil {
			s.reject(w, r, p)
			return
		}
		if honeypot != "" && strings.TrimSpace(raw[honeypot]) != "" {
			// A field people never see was filled: a bot. Refused, not
			// answered 202 without storing it: nothing is ever acknowledged
			// that was not stored, and a person whose browser autofilled it
			// sees an error instead of waiting for a call that never comes.
			// The answer does not name the field.
			formHoneypot.Inc()
			s.reject(w, r, &problem{Type: problemType + "rejected", Title: "Not accepted", Status: http.StatusBadRequest,
				Detail: "the form was not accepted"})
			return
		}
		if legacy && strings.TrimSpace(raw[keyMethod]) != "siteform" {
			writeText(w, http.StatusNotFound, "no post")
			return
		}
		account, p := s.formAccount(raw[keyAccount])
		if p != nil {
			s.reject(w, r, p)
			return
		}
		fields, p := cleanFields(raw)
		if p != nil {
			s.reject(w, r, p)
			return
		}

		now := s.now().UTC()
		key := strings.TrimSpace(r.Header.Get(idempotencyHeader))
		var kbuf [48]string
		keys := workflows.SortedKeys(kbuf[:0], fields) // once, for the id and the message
		id := workflows.FormJobIDSorted(account, key, fields, keys, now, s.cfg.Inbound.DedupWindow)
		if key != "" {
			if p := s.checkIdempotency(r.Context(), id, formDigest(account, fields)); p != nil {
				s.reject(w, r, p)
				return
			}
		}
		body := encodeFormInput(workflows.FormInput{JobID: id, Account: account, ReceivedAt: now, Fields: fields}, keys)
		msg := mq.Message{ID: id, Kind: mq.KindForm, Account: account, ReceivedAt: now, Body: body}
		if err := s.publish(r.Context(), msg); err != nil {
			s.log.Error("form not stored", "job_id", id, "account", account, "err", err)
			writeProblem(w, notStored())
			return
		}
		// Debug, not info: a synchronous formatted line per accepted form cost
		// a fifth of the handler's CPU, and amoflow_http_requests_total and
		// Temporal's workflow list already record every accepted form.
		// Enabled first: the arguments alone are three allocations per form.
		if s.log.Enabled(r.Context(), slog.LevelDebug) {
			s.log.Debug("form stored", "job_id", id, "account", account, "path", r.URL.Path)
		}

		if legacy {
			writeText(w, http.StatusOK, "Ok")
			return
		}
		s.writeAccepted(w, id)
	})
}

// limitForms answers 429 with Retry-After to a client over inbound.form_rate,
// before reading its body. CORS preflights are not counted.
func (s *server) limitForms(next http.Handler) http.Handler {
	if s.formLimit == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		addr, _ := s.proxies.clientAddr(r) // no valid address: all such share one bucket
		if ok, wait := s.formLimit.allow(addr, s.now()); !ok {
			formRateLimited.Inc()
			s.log.Info("form rate limited", "path", r.URL.Path, "retry_after", wait.Round(time.Millisecond))
			w.Header().Set("Retry-After", retryAfterSeconds(wait))
			writeProblem(w, &problem{Type: problemType + "rate-limited", Title: "Too many requests", Status: http.StatusTooManyRequests,
				Detail: "too many forms from this address; send it again after Retry-After seconds"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// formAccount maps amo=corp to the corporate account and anything else to
// retail, as the old endpoint did; the account must be configured.
func (s *server) formAccount(amo string) (string, *problem) {
	name := "retail"
	if strings.EqualFold(strings.TrimSpace(amo), "corp") {
		name = "corp"
	}
	if _, ok := s.cfg.Account(name); !ok {
		return "", invalidField(keyAccount, "account %q is not configured", name)
	}
	return name, nil
}

// publish stores m, timing the broker's answer. The wait is bounded by
// publishTimeout only, not by the client's connection: a message on its way
// to the broker is stored whether or not the client is still there, and not
// registering with the request's context saves allocations per request.
func (s *server) publish(ctx context.Context, m mq.Message) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	start := time.Now()
	err := s.pub.Publish(ctx, m)
	s.metrics.observePublish(m.Kind, err, time.Since(start))
	return err
}

// reject answers a request that will not be stored. The log names the
// problem, never the values.
func (s *server) reject(w http.ResponseWriter, r *http.Request, p *problem) {
	s.log.Info("request rejected", "path", r.URL.Path, "status", p.Status, "field", p.Field, "detail", p.Detail)
	writeProblem(w, p)
}

func writeText(w http.ResponseWriter, code int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	io.WriteString(w, text)
}
