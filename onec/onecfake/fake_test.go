package onecfake

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFakeHTTPInspectionAndSeed(t *testing.T) {
	f := New(Options{Username: "u", Password: "p"})
	srv := httptest.NewServer(f)
	defer srv.Close()
	id := f.Put("EditCourse", map[string]any{"product_id_1C": nil, "name": "Массаж"})

	req, _ := http.NewRequest("GET", srv.URL+"/hs/EditCourse?uid="+strings.ToUpper(id), nil)
	req.SetBasicAuth("u", "p")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var course map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&course); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || course["name"] != "Массаж" || course["product_id_1C"] != id {
		t.Fatalf("GET EditCourse = %d %v", resp.StatusCode, course)
	}

	// No credentials: 401, recorded.
	resp, _ = http.Post(srv.URL+"/hs/EditStudent", "application/json", strings.NewReader(`{"client_id_1C":null}`))
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("without auth = %d", resp.StatusCode)
	}

	// A fault set over HTTP applies once.
	resp, _ = http.Post(srv.URL+"/_fake/faults", "application/json", strings.NewReader(`{"kind":"500","method":"EditStudent","times":1}`))
	resp.Body.Close()
	for _, want := range []int{500, 200} {
		req, _ := http.NewRequest("POST", srv.URL+"/hs/EditStudent", strings.NewReader(`{"client_id_1C":null,"name":"x"}`))
		req.SetBasicAuth("u", "p")
		resp, _ := http.DefaultClient.Do(req)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("POST EditStudent = %d, want %d", resp.StatusCode, want)
		}
	}
	resp, _ = http.Get(srv.URL + "/_fake/requests")
	var log []Request
	if err := json.NewDecoder(resp.Body).Decode(&log); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var compact bytes.Buffer
	if len(log) == 4 {
		if err := json.Compact(&compact, log[3].Body); err != nil {
			t.Fatal(err)
		}
	}
	if len(log) != 4 || log[3].Method != "EditStudent" || log[3].Status != 200 || compact.String() != `{"client_id_1C":null,"name":"x"}` {
		t.Errorf("request log = %+v", log)
	}
}

// A lost answer: the client is created, and the caller gets no answer.
func TestFakeLostAnswerCreatesThenDropsTheConnection(t *testing.T) {
	f := New(Options{})
	srv := httptest.NewServer(f)
	defer srv.Close()
	f.SetFault(Fault{Kind: LostAnswer, Method: "EditStudent", Times: 1})
	resp, err := http.Post(srv.URL+"/hs/EditStudent", "application/json", strings.NewReader(`{"client_id_1C":null,"name":"Мария"}`))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer %d, want none", resp.StatusCode)
	}
	if n := len(f.Objects("EditStudent")); n != 1 {
		t.Fatalf("1C holds %d clients after a lost answer, want 1", n)
	}
	if reqs := f.RequestsTo("POST", "EditStudent"); len(reqs) != 1 || reqs[0].Status != 0 {
		t.Errorf("requests = %+v", reqs)
	}
	// The fault applied once: the next create answers.
	resp, err = http.Post(srv.URL+"/hs/EditStudent", "application/json", bytes.NewReader([]byte(`{"client_id_1C":null,"name":"Иван"}`)))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("second create: %v", err)
	}
	resp.Body.Close()
}
