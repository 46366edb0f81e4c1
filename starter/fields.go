package starter

import (
	"strings"
	"unicode/utf8"

	"amoflow/phone"
)

// Length limits, in characters. Free text gets room for a long message or
// URL; every other field is a short value (the old C# client truncated all
// fields to 255). A longer value is rejected, not truncated, so that nothing
// is lost silently.
const (
	shortField = 255
	longField  = 4000
)

// formFields are the accepted fields of reference-system §6.1 with their
// length limits. Other keys are ignored. "method" and "amo" are read for
// routing only and are not part of the stored fields.
var formFields = map[string]int{
	"name": shortField, "surname": shortField, "phone": shortField, "email": shortField,
	"comment": longField, "title": longField, "page_url": longField,
	"form_name_site": shortField, "site": shortField, "page_title": shortField,
	"roistat_marker": shortField, "roistat_visit": shortField,
	"city_name": shortField, "course": shortField, "result": shortField, "formId": shortField,
	"event": shortField, "event_name": shortField, "event_address": shortField, "date": shortField,
	"clid": shortField, "_ym_uid": shortField, "_ya_uid": shortField,
	"utm_source": shortField, "utm_medium": shortField, "utm_term": shortField,
	"utm_content": shortField, "utm_campaign": shortField,
	"promocode": shortField, "uid_gr": shortField,
	"date_start": shortField, "date_end": shortField, "title_gr": shortField, "1c_api_group": shortField,
	"pipeline": shortField, "status": shortField, "final": shortField, "organization": shortField,
	"events": shortField, "webinar": shortField, "webinar_id": shortField,
	"price": shortField, "responsible": shortField, "paid": shortField,
}

// Routing keys: read, not stored.
const (
	keyMethod  = "method"
	keyAccount = "amo"
)

// wanted reports whether a request key is read at all.
func wanted(key string) bool {
	_, ok := formFields[key]
	return ok || key == keyMethod || key == keyAccount
}

// cleanFields keeps the accepted fields, trimmed, without empty and
// "undefined" values (what a page's JavaScript sends for a missing value),
// and checks that the lead can be reached: a usable phone or an email.
//
// The email is lower-cased; one that does not look like an address is dropped
// (it would only pollute the contact). The phone is kept as typed: the
// workflow normalizes it (phone.Normalize). A leading "www." is cut from
// site, as a prefix (the old ltrim cut any leading 'w' and '.').
func cleanFields(raw map[string]string) (map[string]string, *problem) {
	fields := make(map[string]string, len(raw))
	for k, v := range raw {
		limit, ok := formFields[k]
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" || v == "undefined" {
			continue
		}
		if !utf8.ValidString(v) {
			return nil, invalidField(k, "is not valid UTF-8")
		}
		if n := utf8.RuneCountInString(v); n > limit {
			return nil, invalidField(k, "is %d characters long; at most %d are accepted", n, limit)
		}
		fields[k] = v
	}
	if s, ok := fields["site"]; ok && len(s) >= 4 && strings.EqualFold(s[:4], "www.") {
		fields["site"] = s[4:]
		if fields["site"] == "" {
			delete(fields, "site")
		}
	}
	rawEmail, hasEmail := fields["email"]
	if hasEmail {
		if e := strings.ToLower(rawEmail); looksLikeEmail(e) {
			fields["email"] = e
		} else {
			delete(fields, "email")
		}
	}
	if phone.Normalize(fields["phone"]) == "" && fields["email"] == "" {
		switch {
		case hasEmail:
			return nil, invalidField("email", "is not an email address, and there is no usable phone")
		case fields["phone"] != "":
			return nil, invalidField("phone", "is not a usable phone number, and there is no email")
		default:
			return nil, invalidField("phone", "a phone or an email is required")
		}
	}
	return fields, nil
}

// looksLikeEmail is deliberately loose: something@domain.tld without spaces.
func looksLikeEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(s) > 254 || strings.ContainsAny(s, " \t\r\n,;<>()[]\\\"") {
		return false
	}
	dot := strings.LastIndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1 && !strings.Contains(domain, "@") && !strings.Contains(domain, "..")
}
