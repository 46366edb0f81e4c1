package amocrm

import (
	"strings"

	"amoflow/config"
)

// Account is what the client needs to know about one amoCRM account.
type Account struct {
	// Name is the config key ("retail", "corp"); it keys the token row.
	Name         string
	BaseURL      string // https://{subdomain}.amocrm.ru, no trailing slash
	ClientID     string
	ClientSecret string
	RedirectURI  string
	// RPS bounds this process's request rate to the account.
	RPS float64
}

// AccountFromConfig converts a configured account.
func AccountFromConfig(a *config.Account) Account {
	base := a.BaseURL
	if base == "" && a.Subdomain != "" {
		base = "https://" + a.Subdomain + ".amocrm.ru"
	}
	return Account{
		Name:         a.Name,
		BaseURL:      strings.TrimRight(base, "/"),
		ClientID:     a.ClientID,
		ClientSecret: a.ClientSecret,
		RedirectURI:  a.RedirectURI,
		RPS:          a.RPS,
	}
}
