// Package forms makes realistic site-form bodies for the benchmarks and the soak: what a
// course page of mzpo-s.ru posts to POST /v1/forms, urlencoded, about 400
// bytes, each with its own phone number so that every body gets its own job id.
package forms

import (
	"fmt"
	"net/url"
)

// Values is form number n. Distinct n give distinct phones (and emails),
// hence distinct job ids; tag goes into the comment so that two runs (or a
// bench and a later test) never share a job id either.
func Values(n int, tag string) url.Values {
	return url.Values{
		"name":           {"Мария"},
		"phone":          {Phone(n)},
		"email":          {fmt.Sprintf("maria.%d@example.ru", n)},
		"comment":        {fmt.Sprintf("Перезвоните, %s #%d", tag, n)},
		"form_name_site": {"Заявка с формы Записаться mzpo-s.ru"},
		"site":           {"www.mzpo-s.ru"},
		"page_url":       {"https://mzpo-s.ru/courses/massage"},
		"roistat_marker": {"yandex_direct"},
		"utm_source":     {"yandex"},
	}
}

// Body is Values(n, tag), urlencoded.
func Body(n int, tag string) []byte { return []byte(Values(n, tag).Encode()) }

// Phone is a Russian mobile number as people type it, distinct for each n
// below a billion: 8 (9AB) CDE-FG-HI with ABCDEFGHI = n.
func Phone(n int) string {
	d := fmt.Sprintf("%09d", n%1_000_000_000)
	return fmt.Sprintf("8 (9%s) %s-%s-%s", d[0:2], d[2:5], d[5:7], d[7:9])
}
