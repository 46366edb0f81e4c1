package starter

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"amoflow/amowebhook"
	"amoflow/hookevents"
	"amoflow/mq"
	"amoflow/secret"
	"amoflow/workflows"
)

// webhookAccepted is the answer to a stored delivery: its job, and the job
// of each event in it (the child workflows).
type webhookAccepted struct {
	JobID       string   `json:"job_id"`
	StatusURL   string   `json:"status_url"`
	EventJobIDs []string `json:"event_job_ids"`
	// Rejected are the events of the delivery that could not be read and
	// will not run; the others do.
	Rejected []amowebhook.Rejection `json:"rejected_events,omitempty"`
}

// webhookIgnored is the 200 for a delivery with nothing to run.
type webhookIgnored struct {
	Ignored  bool                   `json:"ignored,omitempty"`
	Detail   string                 `json:"detail,omitempty"`
	Rejected []amowebhook.Rejection `json:"rejected_events,omitempty"`
}

// recordRejected logs and counts the events a delivery could not carry:
// the event name, the reason and the key at fault, never a value.
func (s *server) recordRejected(method string, rejected []amowebhook.Rejection) {
	for _, r := range rejected {
		webhookEventsRejected.WithLabelValues(method, r.Reason).Inc()
		s.log.Warn("webhook event rejected", "method", method, "event", r.Event, "reason", r.Reason, "detail", r.Detail)
	}
}

// webhooks takes amoCRM webhooks (docs/flows.md#amocrm-webhooks, docs/architecture.md#http-surface).
//
// POST /v1/amo/webhooks/{method}?token=… needs inbound.webhook_token (amoCRM
// cannot send headers) and answers 202 with the delivery's job once the
// broker confirmed it. The legacy POST /amo/webhooks/?{method} exists only
// when inbound.legacy_webhooks is enabled, for the addresses it allows, and
// answers 200 with an empty body, as the old endpoint did.
//
// The account is the one of account[id] (or account[subdomain]) and must be
// the method's account; a body without either is taken as the method's
// account, which the method implies (docs/architecture.md#accounts). Only
// application/x-www-form-urlencoded is accepted (any parameters).
func (s *server) webhooks(legacy bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var method string
		if legacy {
			if !s.legacyWebhookGuard(w, r) {
				return
			}
			method, _ = url.QueryUnescape(r.URL.RawQuery)
		} else {
			if p := s.webhookToken(r); p != nil {
				s.reject(w, r, p)
				return
			}
			method = mux.Vars(r)["method"]
		}
		want, _, ok := workflows.WebhookRoute(method)
		if !ok {
			s.reject(w, r, &problem{Type: problemType + "unknown-method", Title: "Unknown webhook method", Status: http.StatusNotFound,
				Detail: "no flow handles this webhook method"})
			return
		}
		if a, ok := s.cfg.Accounts[want]; !ok || a == nil {
			// An optional account (ppie) that is not configured: nothing
			// could process the webhook, so nothing is stored.
			s.reject(w, r, &problem{Type: problemType + "method-not-configured", Title: "Webhook method not configured", Status: http.StatusNotFound,
				Detail: "method " + method + " takes the webhooks of the " + want + " account, and accounts." + want + " is not configured"})
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != typeURLEncoded {
			s.reject(w, r, unsupportedType(typeURLEncoded))
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			s.reject(w, r, readError(err))
			return
		}
		d, err := amowebhook.ParseBody(string(body))
		if err != nil {
			s.reject(w, r, badBody("%v", err)) // names the key, never the value
			return
		}
		account := want
		if legacy && d.AccountID == 0 && d.Subdomain == "" {
			// The legacy route has no token: the account fields amoCRM always
			// sends are the least a caller must show.
			s.reject(w, r, invalidField("account[id]", "account[id] or account[subdomain] is required on the legacy webhook route"))
			return
		}
		if d.AccountID != 0 || d.Subdomain != "" {
			a, ok := s.cfg.AccountByAmo(d.AccountID, d.Subdomain)
			switch {
			case !ok:
				s.reject(w, r, hookForbidden("the amoCRM account of account[id]/account[subdomain] is not configured"))
				return
			case a.Name != want:
				s.reject(w, r, hookForbidden("method "+method+" takes webhooks of the "+want+" account, not "+a.Name))
				return
			}
		}
		s.recordRejected(method, d.Rejected)
		if len(d.Events) == 0 && len(d.Rejected) > 0 {
			// Nothing in it can be run; amoCRM may retry, and the body says why.
			p := badBody("no event of the delivery could be read")
			p.Rejected = d.Rejected
			s.reject(w, r, p)
			return
		}

		now := s.now().UTC()
		events, err := hookevents.Split(method, account, d, now, s.cfg.Inbound.DedupWindow)
		if err != nil {
			var fe interface{ Field() string }
			if errors.As(err, &fe) {
				s.reject(w, r, invalidField(fe.Field(), "%v", strings.TrimPrefix(err.Error(), fe.Field()+": ")))
			} else {
				s.reject(w, r, badBody("%v", err))
			}
			return
		}
		if len(events) == 0 {
			// amoCRM would retry an error; there is simply nothing to do.
			s.log.Info("webhook ignored: no event for the method", "account", account, "method", method, "entities", len(d.Events))
			if legacy && len(d.Rejected) == 0 {
				w.WriteHeader(http.StatusOK)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			json.NewEncoder(w).Encode(webhookIgnored{Ignored: true, Detail: "the delivery holds no event this method acts on", Rejected: d.Rejected})
			return
		}
		keys := make([]string, len(events))
		for i, e := range events {
			keys[i] = e.JobID
		}
		id := workflows.DeliveryJobID(account, method, keys)
		in := workflows.WebhookInput{JobID: id, Account: account, Method: method, ReceivedAt: now, Events: events}
		if !s.storeWebhook(w, r, in, "rejected_events", len(d.Rejected), "legacy", legacy) {
			return
		}
		if legacy {
			if len(d.Rejected) > 0 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusOK)
				json.NewEncoder(w).Encode(webhookIgnored{Rejected: d.Rejected})
				return
			}
			w.WriteHeader(http.StatusOK)
			return
		}
		a := webhookAccepted{JobID: id, StatusURL: s.statusURL(id), EventJobIDs: keys, Rejected: d.Rejected}
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Location", a.StatusURL)
		w.WriteHeader(http.StatusAccepted)
		json.NewEncoder(w).Encode(a)
	})
}

// legacyWebhookGuard applies inbound.legacy_webhooks to an old hook route:
// off, 404; a client outside allow_from, 403.
func (s *server) legacyWebhookGuard(w http.ResponseWriter, r *http.Request) bool {
	if !s.cfg.Inbound.LegacyWebhooks.Enabled {
		notFound(w, r)
		return false
	}
	if addr, ok := s.proxies.clientAddr(r); !ok || !legacyAllowed(s.cfg.Inbound.LegacyWebhooks.AllowFrom, addr) {
		s.reject(w, r, hookForbidden("this address may not use the legacy webhook route"))
		return false
	}
	return true
}

// storeWebhook publishes a delivery (job in.JobID) and logs it with the
// extra attributes; false, answered 503, when the broker did not confirm.
func (s *server) storeWebhook(w http.ResponseWriter, r *http.Request, in workflows.WebhookInput, attrs ...any) bool {
	body, err := json.Marshal(in)
	if err != nil {
		panic(err) // plain data always encodes
	}
	msg := mq.Message{ID: in.JobID, Kind: mq.KindWebhook, Account: in.Account, ReceivedAt: in.ReceivedAt, Body: body}
	if err := s.publish(r.Context(), msg); err != nil {
		s.log.Error("webhook not stored", "job_id", in.JobID, "account", in.Account, "method", in.Method, "err", err)
		writeProblem(w, notStored())
		return false
	}
	s.log.Info("webhook stored", append([]any{"job_id", in.JobID, "account", in.Account, "method", in.Method, "events", len(in.Events)}, attrs...)...)
	return true
}

// webhookToken checks ?token= against inbound.webhook_token in constant
// time (both are hashed first, so not even the length leaks). Without a
// configured token every webhook is refused.
func (s *server) webhookToken(r *http.Request) *problem {
	want := s.cfg.Inbound.WebhookToken
	if want == "" {
		s.log.Error("webhook refused: inbound.webhook_token is not configured, so every webhook is refused")
		return hookUnauthorized("webhooks are not accepted: no token is configured")
	}
	if !secret.Equal(r.URL.Query().Get("token"), want) {
		return hookUnauthorized("a valid token is required")
	}
	return nil
}

// legacyAllowed reports whether the client's address is in the allow list
// (addresses or CIDRs). The client is the connecting address, or behind
// inbound.trusted_proxies the one they forwarded for: list amoCRM's
// addresses, never the proxy's.
func legacyAllowed(allow []string, addr netip.Addr) bool {
	for _, a := range allow {
		a = strings.TrimSpace(a)
		if p, err := netip.ParsePrefix(a); err == nil && p.Contains(addr) {
			return true
		}
		if x, err := netip.ParseAddr(a); err == nil && x.Unmap() == addr {
			return true
		}
	}
	return false
}

func hookUnauthorized(detail string) *problem {
	return &problem{Type: problemType + "unauthorized", Title: "Unauthorized", Status: http.StatusUnauthorized, Detail: detail}
}

func hookForbidden(detail string) *problem {
	return &problem{Type: problemType + "forbidden", Title: "Forbidden", Status: http.StatusForbidden, Detail: detail}
}
