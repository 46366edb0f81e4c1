package starter

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"amoflow/workflows"
)

// The old C# hook paths whose body is not a lead hook: the responsible
// guard, the company duplicate check and the payment forms.

// legacyBodyHook maps an old path to a webhook method, with the old check
// of its body (a 400 text as before, "" when good).
type legacyBodyHook struct {
	method string
	check  func(url.Values) string
	// flat: the caller is the site, not amoCRM, and sends no account; the
	// path names it (the legacy webhook guard requires one).
	flat bool
}

var legacyBodyHooks = map[string]legacyBodyHook{
	"ret/respchange":   {method: "respchange", check: legacyRespChangeBody},
	"corp/checkdouble": {method: "checkdouble", check: legacyCheckDoubleBody},
	"conferencepaid":   {method: "conferencepaid", check: legacyPaymentBody("phone", "email"), flat: true},
	"retailpaid":       {method: "retailpaid", check: legacyPaymentBody("phone", "email", "price"), flat: true},
}

// legacyBodyHookAs checks the body as the old endpoint did, then hands it
// to the legacy webhook route as h.method.
func (s *server) legacyBodyHookAs(w http.ResponseWriter, r *http.Request, h legacyBodyHook) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.reject(w, r, readError(err))
		return
	}
	v, err := url.ParseQuery(string(body))
	if err != nil {
		v = url.Values{}
	}
	if msg := h.check(v); msg != "" {
		s.log.Info("request rejected", "path", r.URL.Path, "status", http.StatusBadRequest, "detail", msg)
		writeText(w, http.StatusBadRequest, msg)
		return
	}
	if h.flat {
		account, _, _ := workflows.WebhookRoute(h.method)
		if a, ok := s.cfg.Accounts[account]; ok && a != nil && v.Get("account[id]") == "" && v.Get("account[subdomain]") == "" {
			body = append(append(body, '&'), "account%5Bsubdomain%5D="+url.QueryEscape(a.Subdomain)...)
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	s.legacyHookAs(w, r, h.method)
}

// legacyRespChangeBody: a lead's responsible change or a contact's update,
// each with id, old_responsible_user_id and modified_user_id as integers;
// anything else was "Incorrect request.".
func legacyRespChangeBody(v url.Values) string {
	for _, p := range []string{"leads[responsible][0]", "contacts[update][0]"} {
		ok := true
		for _, k := range []string{"[id]", "[old_responsible_user_id]", "[modified_user_id]"} {
			if _, err := strconv.ParseInt(strings.TrimSpace(v.Get(p+k)), 10, 64); err != nil {
				ok = false
			}
		}
		if ok {
			return ""
		}
	}
	return "Incorrect request."
}

// legacyCheckDoubleBody: the company's contacts[update][0][id], as before.
func legacyCheckDoubleBody(v url.Values) string {
	id, ok := v["contacts[update][0][id]"]
	if !ok {
		return "Unexpected request."
	}
	if _, err := strconv.ParseInt(strings.TrimSpace(id[0]), 10, 64); err != nil {
		return "Incorrect lead number."
	}
	return ""
}

// legacyPaymentBody: every key present (the old endpoint answered an
// empty 400 otherwise; "Bad Request" here).
func legacyPaymentBody(keys ...string) func(url.Values) string {
	return func(v url.Values) string {
		for _, k := range keys {
			if _, ok := v[k]; !ok {
				return "Bad Request"
			}
		}
		return ""
	}
}
