package onec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"amoflow/config"
)

// Client calls one 1C base.
type Client struct {
	base       string // ends with "/"
	user, pass string
	hc         *http.Client
	// UpperPartnerKeys writes Partner's OGRN, INN, KPP and BIK in upper
	// case, as the C# integration did (docs/flows.md#partner-editpartner).
	UpperPartnerKeys bool
}

// DefaultTimeout bounds a call when the configuration gives no timeout.
const DefaultTimeout = 30 * time.Second

// maxAnswer bounds the answers read.
const maxAnswer = 4 << 20

// New returns a client of the configured 1C.
func New(cfg config.OneC) *Client {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	base := cfg.BaseURL
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	c := &Client{base: base, user: cfg.Username, pass: cfg.Password, hc: &http.Client{Timeout: timeout}}
	c.UpperPartnerKeys = strings.EqualFold(cfg.PartnerKeys, "upper")
	return c
}

// EditStudent creates (ClientID empty) or updates a client and returns its GUID.
func (c *Client) EditStudent(ctx context.Context, cl Student) (GUID, error) {
	cl.normalize()
	return c.edit(ctx, "EditStudent", "client_id_1C", cl)
}

// EditPartner creates (CompanyID empty) or updates a partner and returns its GUID.
func (c *Client) EditPartner(ctx context.Context, p Partner) (GUID, error) {
	if p.AmoIDs == nil {
		p.AmoIDs = []AmoID{}
	}
	if c.UpperPartnerKeys {
		return c.edit(ctx, "EditPartner", "company_id_1C", partnerUpper(p))
	}
	return c.edit(ctx, "EditPartner", "company_id_1C", p)
}

// EditApplication creates (LeadID empty) or updates an application and returns its GUID.
func (c *Client) EditApplication(ctx context.Context, a Application) (GUID, error) {
	if a.AmoIDs == nil {
		a.AmoIDs = []AmoID{}
	}
	return c.edit(ctx, "EditApplication", "lead_id_1C", a)
}

// EditCourse creates (ProductID empty) or updates a course and returns its GUID.
func (c *Client) EditCourse(ctx context.Context, co Course) (GUID, error) {
	if co.AmoIDs == nil {
		co.AmoIDs = []AmoID{}
	}
	if co.ItemPrices == nil {
		co.ItemPrices = []PriceItem{}
	}
	return c.edit(ctx, "EditCourse", "product_id_1C", co)
}

// GetStudent reads a client. A missing one gives an error matching ErrNotFound.
func (c *Client) GetStudent(ctx context.Context, uid GUID) (*Student, error) {
	out := new(Student)
	return out, c.get(ctx, "EditStudent", uid, out)
}

// GetPartner reads a partner (either key spelling).
func (c *Client) GetPartner(ctx context.Context, uid GUID) (*Partner, error) {
	out := new(Partner)
	return out, c.get(ctx, "EditPartner", uid, out)
}

// GetApplication reads an application.
func (c *Client) GetApplication(ctx context.Context, uid GUID) (*Application, error) {
	out := new(Application)
	return out, c.get(ctx, "EditApplication", uid, out)
}

// GetCourse reads a course.
func (c *Client) GetCourse(ctx context.Context, uid GUID) (*Course, error) {
	out := new(Course)
	return out, c.get(ctx, "EditCourse", uid, out)
}

// ChangeResponsible sets the responsible person ("otv") of a contract
// through lk_editdata. 1C's answer is not interpreted beyond its status.
func (c *Client) ChangeResponsible(ctx context.Context, contractUID, otv string) error {
	type contract struct {
		Action      string `json:"action"`
		ContractUID string `json:"contract_uid"`
		Otv         string `json:"otv"`
	}
	body := map[string]map[string]contract{"data": {"contract": {Action: "changeotv", ContractUID: contractUID, Otv: otv}}}
	_, err := c.do(ctx, http.MethodPost, "lk_editdata", nil, body)
	return err
}

// edit POSTs v to method and reads the GUID under idField from the answer.
func (c *Client) edit(ctx context.Context, method, idField string, v any) (GUID, error) {
	op := "POST " + method
	answer, err := c.do(ctx, http.MethodPost, method, nil, v)
	if err != nil {
		return "", err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(answer, &m); err != nil || m == nil {
		return "", &Error{Op: op, Kind: KindMalformed, Status: http.StatusOK, Body: redact(answer),
			Err: errors.New("the answer is not a JSON object")}
	}
	var id GUID
	if raw, ok := m[idField]; !ok || json.Unmarshal(raw, &id) != nil || id == "" {
		return "", &Error{Op: op, Kind: KindMissingID, Status: http.StatusOK, Err: fmt.Errorf("no %s in the answer", idField)}
	}
	if !id.Valid() {
		return "", &Error{Op: op, Kind: KindMissingID, Status: http.StatusOK, Err: fmt.Errorf("%s %q is not a usable GUID", idField, id)}
	}
	return id, nil
}

// get reads method?uid= into out.
func (c *Client) get(ctx context.Context, method string, uid GUID, out any) error {
	answer, err := c.do(ctx, http.MethodGet, method, url.Values{"uid": {string(uid)}}, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return &Error{Op: "GET " + method, Kind: KindMalformed, Status: http.StatusOK, Body: redact(answer), Err: err}
	}
	return nil
}

// do sends one request and returns the body of a 2xx answer.
func (c *Client) do(ctx context.Context, verb, method string, query url.Values, in any) (_ []byte, err error) {
	start := time.Now()
	defer func() { observe(verb, method, err, time.Since(start)) }()
	op := verb + " " + method
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, &Error{Op: op, Kind: KindMalformed, Err: fmt.Errorf("encoding the request: %w", err)}
		}
		body = bytes.NewReader(b)
	}
	u := c.base + method
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, verb, u, body)
	if err != nil {
		return nil, &Error{Op: op, Kind: KindTransport, Err: errors.New("bad onec.base_url")}
	}
	req.SetBasicAuth(c.user, c.pass)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "amoflow-1c/1.0")
	if in != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, transportError(op, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, transportError(op, err)
	}
	switch {
	case resp.StatusCode >= 500:
		return nil, &Error{Op: op, Kind: KindServer, Status: resp.StatusCode, Body: redact(answer)}
	case resp.StatusCode >= 300:
		return nil, &Error{Op: op, Kind: KindRejected, Status: resp.StatusCode, Body: redact(answer)}
	}
	if verb == http.MethodGet || method != "lk_editdata" {
		if len(bytes.TrimSpace(answer)) == 0 {
			return nil, &Error{Op: op, Kind: KindMalformed, Status: resp.StatusCode, Err: errors.New("empty answer")}
		}
	}
	return answer, nil
}
