package starter

import (
	"maps"
	"slices"
	"strings"
	"unicode"

	"amoflow/phone"
	"amoflow/workflows"
)

// formFields are the accepted fields of a site form. Other keys are ignored.
// "method" and "amo" are read for routing only and are not part of the
// stored fields. No field has a length limit of its own: a request that
// names a reachable person is always stored, whatever its other values
// (http.body_limit bounds the whole body). The lead flow cuts a value to the
// amoCRM field's limit and keeps the whole text in the lead's note.
var formFields = map[string]bool{
	"name": true, "surname": true, "phone": true, "email": true,
	"comment": true, "title": true, "page_url": true,
	"form_name_site": true, "site": true, "page_title": true,
	"roistat_marker": true, "roistat_visit": true,
	"city_name": true, "course": true, "result": true, "formId": true,
	"event": true, "event_name": true, "event_address": true, "date": true,
	"clid": true, "_ym_uid": true, "_ya_uid": true,
	"utm_source": true, "utm_medium": true, "utm_term": true,
	"utm_content": true, "utm_campaign": true,
	"promocode": true, "uid_gr": true,
	"date_start": true, "date_end": true, "title_gr": true, "1c_api_group": true,
	"pipeline": true, "status": true, "final": true, "organization": true,
	"events": true, "webinar": true, "webinar_id": true,
	"price": true, "responsible": true, "paid": true,
}

// Routing keys: read, not stored.
const (
	keyMethod  = "method"
	keyAccount = "amo"
)

// wanted reports whether a request key is read at all.
func wanted(key string) bool {
	return formFields[key] || key == keyMethod || key == keyAccount
}

// cleanFields keeps the accepted fields, repaired (cleanText), trimmed,
// without empty and "undefined" values (what a page's JavaScript sends for a
// missing value), and checks that the person can be reached: a usable phone
// or an email. That is the only reason to refuse a form: nobody to call back.
//
// A valid email is lower-cased; one that does not look like an address is
// kept as typed (the flow does not use it for the contact, but the lead's note
// shows it). The phone is kept as typed: the workflow normalizes it
// (phone.Normalize). A leading "www." is cut from site, as a prefix (the old
// ltrim cut any leading 'w' and '.').
//
// It works in place: raw becomes the fields (routing keys and the honeypot
// are deleted from it), so a form is decoded into one map, not copied.
func cleanFields(raw map[string]string) (map[string]string, *problem) {
	fields := raw
	for k, v := range fields {
		if !formFields[k] {
			delete(fields, k)
			continue
		}
		c := strings.TrimSpace(cleanText(v))
		switch {
		case c == "" || c == "undefined":
			delete(fields, k)
		case c != v:
			fields[k] = c
		}
	}
	if s, ok := fields["site"]; ok && len(s) >= 4 && strings.EqualFold(s[:4], "www.") {
		fields["site"] = s[4:]
		if fields["site"] == "" {
			delete(fields, "site")
		}
	}
	rawEmail, hasEmail := fields["email"]
	email := workflows.FormEmail(rawEmail)
	if email != "" {
		fields["email"] = email
	}
	if phone.Normalize(fields["phone"]) == "" && email == "" {
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

// cleanText repairs a value instead of refusing it: invalid UTF-8 (a page
// in another encoding, a cut multi-byte character) becomes U+FFFD, and
// control characters other than tab and line feed (NUL, CR, escape, …) are
// dropped, as nothing downstream shows them and some (NUL) break storage.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	clean := true
	for _, r := range s {
		if dropRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	return strings.Map(func(r rune) rune {
		if dropRune(r) {
			return -1
		}
		return r
	}, s)
}

func dropRune(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n'
}

// FormFieldNames are the accepted form fields, sorted (tests send each).
func FormFieldNames() []string {
	return slices.Sorted(maps.Keys(formFields))
}
