package match

import "testing"

func TestPhoneOrEmail(t *testing.T) {
	for _, tc := range []struct {
		name          string
		phones, mails []string
		ph, email     string
		want          bool
	}{
		{"phone typed another way", []string{"8 (916) 123-45-67"}, nil, "+79161234567", "", true},
		{"email in another case", nil, []string{" Olga@Example.ru "}, "", "olga@example.ru", true},
		{"other phone", []string{"+79161234568"}, nil, "+79161234567", "", false},
		{"no number asked never matches", []string{"+79161234567"}, nil, "", "", false},
		{"empty stored email does not match no email", nil, []string{""}, "+79161234567", "", false},
		{"either is enough", []string{"+70000000000"}, []string{"a@b.ru"}, "+79161234567", "a@b.ru", true},
	} {
		if got := PhoneOrEmail(tc.phones, tc.mails, tc.ph, tc.email); got != tc.want {
			t.Errorf("%s: PhoneOrEmail = %v, want %v", tc.name, got, tc.want)
		}
	}
}
