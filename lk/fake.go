package lk

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"amoflow/internal/outside"
)

// Fake is an in-memory LK service for tests and amoflow dev. It registers
// a student once per amoCRM contact (the same amo_id again gets the same
// account, so a retried call makes no second one), refuses an email or a
// phone another contact's account has, as the service does, counts calls
// and can fail.
type Fake struct {
	outside.Faults

	mu       sync.Mutex
	next     int64
	byAmo    map[string]int64
	logins   map[string]string // email → amo_id
	phones   map[string]string // phone → amo_id
	students []Student
}

// NewFake returns an empty fake.
func NewFake() *Fake {
	return &Fake{next: 1000, byAmo: map[string]int64{}, logins: map[string]string{}, phones: map[string]string{}}
}

// Students are the registration requests served, in order.
func (f *Fake) Students() []Student {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Student(nil), f.students...)
}

// ServeHTTP implements POST /amo/register.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.Failed(w) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/amo/register") {
		http.NotFound(w, r)
		return
	}
	var s Student
	if err := json.NewDecoder(r.Body).Decode(&s); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	f.students = append(f.students, s)
	w.Header().Set("Content-Type", "application/json")
	if id, ok := f.byAmo[s.AmoID]; ok && s.AmoID != "" {
		json.NewEncoder(w).Encode(Answer{User: id})
		return
	}
	var refused Answer
	email, phone := strings.ToLower(strings.TrimSpace(s.Email)), strings.TrimSpace(s.Phone)
	switch {
	case email == "":
		refused.Email = []string{"Необходимо заполнить «Email»."}
	case f.logins[email] != "" && f.logins[email] != s.AmoID:
		refused.Email = []string{"Значение «" + email + "» для «Email» уже занято."}
	}
	if phone != "" && f.phones[phone] != "" && f.phones[phone] != s.AmoID {
		refused.Phone = []string{"Значение «" + phone + "» для «Телефон» уже занято."}
	}
	if len(refused.Email)+len(refused.Phone) > 0 {
		no := false
		refused.Result = &no
		json.NewEncoder(w).Encode(refused)
		return
	}
	f.next++
	f.byAmo[s.AmoID], f.logins[email] = f.next, s.AmoID
	if phone != "" {
		f.phones[phone] = s.AmoID
	}
	json.NewEncoder(w).Encode(Answer{User: f.next})
}
