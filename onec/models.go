package onec

import "encoding/json"

// The models of docs/flows.md#1c-data-model. JSON names are case-sensitive and
// exactly as 1C expects them. Optional strings are left out when empty (as
// the newer PHP integration did); ids are null when empty, which means
// "create".

// AmoID names an amoCRM entity in an account.
type AmoID struct {
	AccountID int64 `json:"account_id"`
	EntityID  int64 `json:"entity_id"`
}

// UnmarshalJSON accepts the ids as whole numbers or numeric strings (a form
// relayed as JSON carries strings); anything else is refused.
func (a *AmoID) UnmarshalJSON(b []byte) error {
	var raw struct {
		AccountID ID `json:"account_id"`
		EntityID  ID `json:"entity_id"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	a.AccountID, a.EntityID = raw.AccountID.Int(), raw.EntityID.Int()
	return nil
}

// Student is a person (1C "client"), method EditStudent.
type Student struct {
	ClientID     GUID              `json:"client_id_1C"`
	AmoIDs       []AmoID           `json:"amo_ids"`
	Applications []json.RawMessage `json:"applications"`
	Name         string            `json:"name"`
	Email        string            `json:"email,omitempty"`
	Phone        string            `json:"phone,omitempty"`
	SecondPhone  string            `json:"second_phone,omitempty"`
	DOB          DateTime          `json:"dob,omitzero"`
	SNILS        string            `json:"snils,omitempty"`
	PassSerie    Text              `json:"pass_serie,omitempty"`
	PassNumber   Text              `json:"pass_number,omitempty"`
	PassIssuedBy string            `json:"pass_issued_by,omitempty"`
	PassDptCode  string            `json:"pass_dpt_code,omitempty"`
	PassIssuedAt DateTime          `json:"pass_issued_at,omitzero"`
	PassDpt      string            `json:"pass_dpt,omitempty"`
	Address      string            `json:"address,omitempty"`
	Diplomas     []json.RawMessage `json:"diplomas"`
	Groups       []json.RawMessage `json:"groups"`
}

// Partner is a legal entity (contragent), method EditPartner. Its
// registration numbers are written lowercase (ogrn, inn, kpp, bik), as the
// newer PHP integration did; Client.UpperPartnerKeys switches to the older
// C# spelling (OGRN, INN, KPP, BIK). Either is read.
type Partner struct {
	CompanyID   GUID    `json:"company_id_1C"`
	AmoIDs      []AmoID `json:"amo_ids"`
	Name        string  `json:"name"`
	Email       string  `json:"email,omitempty"`
	Phone       string  `json:"phone,omitempty"`
	Signee      string  `json:"signee,omitempty"`
	OGRN        string  `json:"ogrn,omitempty"`
	INN         string  `json:"inn,omitempty"`
	AccNo       string  `json:"acc_no,omitempty"`
	KPP         string  `json:"kpp,omitempty"`
	BIK         string  `json:"bik,omitempty"`
	Address     string  `json:"address,omitempty"`
	PostAddress string  `json:"post_address,omitempty"`
}

// partnerUpper is Partner with the C# key spelling; the two convert.
type partnerUpper struct {
	CompanyID   GUID    `json:"company_id_1C"`
	AmoIDs      []AmoID `json:"amo_ids"`
	Name        string  `json:"name"`
	Email       string  `json:"email,omitempty"`
	Phone       string  `json:"phone,omitempty"`
	Signee      string  `json:"signee,omitempty"`
	OGRN        string  `json:"OGRN,omitempty"`
	INN         string  `json:"INN,omitempty"`
	AccNo       string  `json:"acc_no,omitempty"`
	KPP         string  `json:"KPP,omitempty"`
	BIK         string  `json:"BIK,omitempty"`
	Address     string  `json:"address,omitempty"`
	PostAddress string  `json:"post_address,omitempty"`
}

// Application is an application for a course, method EditApplication.
type Application struct {
	LeadID           GUID      `json:"lead_id_1C"`
	AmoIDs           []AmoID   `json:"amo_ids"`
	ClientID         GUID      `json:"client_id_1C"`
	ProductID        GUID      `json:"product_id_1C"`
	CompanyID        GUID      `json:"company_id_1C"`
	Organization     string    `json:"organization"`
	Price            Number    `json:"price"`
	IsCorporate      bool      `json:"is_corporate"`
	LeadStatus       string    `json:"lead_status"`
	Author           string    `json:"author"`
	ResponsibleUser  string    `json:"responsible_user"`
	Payments         []Payment `json:"payments,omitempty"`
	MarketingChannel string    `json:"marketing_channel"`
	MarketingSource  string    `json:"marketing_source"`
}

// Payment is a payment 1C registered against an application.
type Payment struct {
	Date     DateTime `json:"payment_date"`
	Amount   Number   `json:"payment_amount"`
	ClientID GUID     `json:"client_id_1C"`
}

// Course is a product, method EditCourse.
type Course struct {
	ProductID         GUID        `json:"product_id_1C"`
	AmoIDs            []AmoID     `json:"amo_ids"`
	Name              string      `json:"name"`
	ShortName         string      `json:"short_name"`
	ItemPrices        []PriceItem `json:"ItemPrices"`
	Duration          Number      `json:"duration"`
	Format            string      `json:"format"`
	SupplementaryInfo string      `json:"supplementary_info"`
}

// PriceItem is one price of a course, by price type.
type PriceItem struct {
	PriceType string `json:"PriceType"`
	UID       GUID   `json:"UID"`
	Price     Number `json:"Price"`
}

// LeadStatusInWork is the status of a new application ("ВРаботе").
const LeadStatusInWork = "ВРаботе"

// AmoIDIn returns the entity id listed for the amoCRM account, 0 if none.
func AmoIDIn(ids []AmoID, accountID int64) int64 {
	for _, id := range ids {
		if id.AccountID == accountID && id.EntityID != 0 {
			return id.EntityID
		}
	}
	return 0
}

// WithAmoID returns ids with the account's entry set to entityID (added
// when missing), leaving the other accounts' entries as they are.
func WithAmoID(ids []AmoID, accountID, entityID int64) []AmoID {
	out := make([]AmoID, 0, len(ids)+1)
	set := false
	for _, id := range ids {
		if id.AccountID == accountID {
			if set {
				continue
			}
			id.EntityID, set = entityID, true
		}
		out = append(out, id)
	}
	if !set {
		out = append(out, AmoID{AccountID: accountID, EntityID: entityID})
	}
	return out
}

// normalize makes the arrays 1C expects present, never null.
func (c *Student) normalize() {
	if c.AmoIDs == nil {
		c.AmoIDs = []AmoID{}
	}
	if c.Applications == nil {
		c.Applications = []json.RawMessage{}
	}
	if c.Diplomas == nil {
		c.Diplomas = []json.RawMessage{}
	}
	if c.Groups == nil {
		c.Groups = []json.RawMessage{}
	}
}
