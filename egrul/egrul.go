// Package egrul reads a company's record from the Russian company register
// (ЕГРЮЛ/ЕГРИП) by INN, as the service behind egrul.base_url serves it:
// GET {base_url}{inn}.json answers the register's XML record turned into
// JSON (attributes under "@attributes"), with the company under "СвЮЛ" or
// a sole trader under "СвИП"; 404 when the INN is unknown.
//
// The fake for tests and amoflow dev is egrul/egrulfake.
package egrul

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"amoflow/config"
)

// Company is what amoflow takes from a register record.
type Company struct {
	INN       string `json:"inn"`
	OGRN      string `json:"ogrn,omitempty"`
	KPP       string `json:"kpp,omitempty"`
	Email     string `json:"email,omitempty"`
	ShortName string `json:"short_name,omitempty"`
	FullName  string `json:"full_name,omitempty"`
	// Address is "{index}, {region}, {street} {house}", as the old widget wrote it.
	Address string `json:"address,omitempty"`
	// SoleTrader is true for an individual entrepreneur (СвИП).
	SoleTrader bool `json:"sole_trader,omitempty"`
}

// ErrNotFound is a register without a record for the INN.
var ErrNotFound = errors.New("egrul: no record for this INN")

// Error is a failed lookup. Transport errors and 5xx are worth retrying;
// anything else (4xx, an answer that is not a record) is not.
type Error struct {
	Status int // 0 for a transport error
	Err    error
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "egrul: " + e.Err.Error()
	}
	return fmt.Sprintf("egrul: status %d: %v", e.Status, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same lookup may succeed later.
func (e *Error) Retryable() bool {
	return e.Status == 0 || e.Status >= 500 || e.Status == http.StatusTooManyRequests
}

// Client looks INNs up.
type Client struct {
	base string
	http *http.Client
}

// New returns a client of cfg.BaseURL.
func New(cfg config.EGRUL) *Client {
	base := cfg.BaseURL
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &Client{base: base, http: &http.Client{Timeout: timeout}}
}

// ValidINN reports whether inn has the shape of an INN: 10 digits for a
// company, 12 for a person or sole trader.
func ValidINN(inn string) bool {
	return (len(inn) == 10 || len(inn) == 12) && strings.Trim(inn, "0123456789") == ""
}

// Lookup reads the record of inn; ErrNotFound when there is none.
func (c *Client) Lookup(ctx context.Context, inn string) (*Company, error) {
	if !ValidINN(inn) {
		return nil, &Error{Status: http.StatusBadRequest, Err: fmt.Errorf("%q is not an INN", inn)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+inn+".json", nil)
	if err != nil {
		return nil, &Error{Err: err}
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &Error{Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, &Error{Err: err}
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, ErrNotFound
	case resp.StatusCode != http.StatusOK:
		return nil, &Error{Status: resp.StatusCode, Err: errors.New(http.StatusText(resp.StatusCode))}
	}
	co, err := Parse(body)
	if err != nil {
		return nil, &Error{Status: resp.StatusCode, Err: err}
	}
	co.INN = inn
	return co, nil
}

// Parse reads a register record (see the package comment).
func Parse(body []byte) (*Company, error) {
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("the answer is not a JSON record: %v", err)
	}
	rec, sole := doc["СвЮЛ"], false
	if rec == nil {
		rec, sole = doc["СвИП"], true
	}
	if rec == nil {
		return nil, fmt.Errorf("the answer holds neither СвЮЛ nor СвИП")
	}
	attr := func(path ...string) string { return text(rec, path...) }
	addr := []string{"СвАдресЮЛ"}
	index := first(attr(append(addr, "АдресРФ", "@attributes", "Индекс")...), attr(append(addr, "СвАдрЮЛФИАС", "@attributes", "Индекс")...))
	region := first(attr(append(addr, "АдресРФ", "Регион", "@attributes", "НаимРегион")...), attr(append(addr, "СвАдрЮЛФИАС", "НаимРегион")...))
	street := first(attr(append(addr, "АдресРФ", "Улица", "@attributes", "НаимУлица")...), attr(append(addr, "СвАдрЮЛФИАС", "ЭлУлДорСети", "@attributes", "Наим")...))
	house := first(attr(append(addr, "АдресРФ", "@attributes", "Дом")...), attr(append(addr, "СвАдрЮЛФИАС", "Здание", "@attributes", "Номер")...))
	c := &Company{
		OGRN:       first(attr("@attributes", "ОГРН"), attr("@attributes", "ОГРНИП")),
		KPP:        attr("@attributes", "КПП"),
		Email:      attr("СвАдрЭлПочты", "@attributes", "E-mail"),
		ShortName:  first(attr("СвНаимЮЛ", "СвНаимЮЛСокр", "@attributes", "НаимСокр"), attr("СвНаимЮЛ", "@attributes", "НаимЮЛСокр")),
		FullName:   attr("СвНаимЮЛ", "@attributes", "НаимЮЛПолн"),
		SoleTrader: sole,
	}
	if index != "" || region != "" || street != "" || house != "" {
		c.Address = strings.TrimSpace(index + ", " + region + ", " + strings.TrimSpace(street+" "+house))
	}
	return c, nil
}

// text follows path through objects (taking the first element of an
// array on the way) and returns the string found, or "".
func text(v any, path ...string) string {
	for _, k := range path {
		if a, ok := v.([]any); ok && len(a) > 0 {
			v = a[0]
		}
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case float64:
		return strings.TrimSpace(fmt.Sprintf("%.0f", x))
	}
	return ""
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
