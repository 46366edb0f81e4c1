package workflows

import (
	"go.temporal.io/sdk/workflow"

	"amoflow/egrul"
)

// CompanyEGRULInput is vidget.php's request: fill a company from the
// register by its INN.
type CompanyEGRULInput struct {
	CompanyID int64  `json:"company_id"`
	INN       string `json:"inn"`
}

// CompanyEGRULResult says what was done.
type CompanyEGRULResult struct {
	CompanyID int64 `json:"company_id"`
	// Status is filled, unchanged, no_company (amoCRM has no such
	// company) or not_in_register (the register has no such INN).
	Status string   `json:"status"`
	Filled []string `json:"filled,omitempty"` // config keys of the fields written, and "name"
}

// CompanyFromEGRUL fills the empty register fields of a company of
// widgets.company_account (its company_fields ogrn, kpp, email, address)
// and sets its name to the register's short name, as the old widget did;
// a field that holds a value is never overwritten. Running it again writes
// nothing (the fields are no longer empty). amoCRM calls: 1 read, at most
// 1 update.
func (f *Flows) CompanyFromEGRUL(ctx workflow.Context, in CompanyEGRULInput) (*CompanyEGRULResult, error) {
	_, acct, err := f.widgetSetup(ctx, func(s widgetSettings) string { return s.CompanyAccount })
	if err != nil {
		return nil, err
	}
	var missing []string
	ids := companyRegisterFields{}
	for _, key := range companyRegisterKeys {
		ids[key] = fieldKey(&missing, acct.Name, "company_fields", acct.CompanyFields, key)
	}
	if err := missingKeys(missing); err != nil {
		return nil, err
	}
	res := &CompanyEGRULResult{CompanyID: in.CompanyID}
	rec, err := f.read(ctx, acct, "companies", 0, in.CompanyID)
	if err != nil {
		return nil, err
	}
	if rec.ID == 0 {
		res.Status = "no_company"
		return res, nil
	}
	var co egrul.Company
	if err := workflow.ExecuteActivity(registerOptions(ctx), register.EGRULLookup, in.INN).Get(ctx, &co); err != nil {
		return nil, err
	}
	if co.INN == "" {
		res.Status = "not_in_register"
		return res, nil
	}
	w, filled := companyFill(rec, co, ids)
	if len(filled) == 0 {
		res.Status = "unchanged"
		return res, nil
	}
	if _, err := f.write(ctx, acct, w); err != nil {
		return nil, err
	}
	res.Status, res.Filled = "filled", filled
	return res, nil
}
