package amocrm

import (
	"encoding/json"
	"strconv"
)

// CustomFieldValue is one custom field of an entity. On write amoCRM needs
// FieldID or FieldCode; nil Values clears the field ("values": null).
type CustomFieldValue struct {
	FieldID   int64   `json:"field_id,omitempty"`
	FieldCode string  `json:"field_code,omitempty"`
	FieldName string  `json:"field_name,omitempty"` // read only
	FieldType string  `json:"field_type,omitempty"` // read only
	Values    []Value `json:"values"`
}

// Value is one value of a custom field. Value is a string, a float64 (JSON
// numbers, dates as Unix seconds), a bool, or an object for complex types.
// Enumerations are chosen by EnumID or EnumCode (PHONE: WORK, MOB, …).
type Value struct {
	Value    any    `json:"value,omitempty"`
	EnumID   int64  `json:"enum_id,omitempty"`
	EnumCode string `json:"enum_code,omitempty"`
}

// String renders Value as text: numbers without exponent, objects as JSON.
func (v Value) String() string {
	switch x := v.Value.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v.Value)
	return string(b)
}

// CustomFields is an entity's custom_fields_values.
type CustomFields []CustomFieldValue

// Field returns the field with the given id, or nil.
func (cf CustomFields) Field(id int64) *CustomFieldValue {
	for i := range cf {
		if cf[i].FieldID == id {
			return &cf[i]
		}
	}
	return nil
}

// Code returns the field with the given code (PHONE, EMAIL, …), or nil.
func (cf CustomFields) Code(code string) *CustomFieldValue {
	for i := range cf {
		if cf[i].FieldCode == code {
			return &cf[i]
		}
	}
	return nil
}

// Value returns the first value of field id as text, "" if unset.
func (cf CustomFields) Value(id int64) string {
	if f := cf.Field(id); f != nil && len(f.Values) > 0 {
		return f.Values[0].String()
	}
	return ""
}

// Values returns every value of field id as text.
func (cf CustomFields) Values(id int64) []string {
	return valueStrings(cf.Field(id))
}

// Set replaces the field with f's id (or code), or appends f.
func (cf CustomFields) Set(f CustomFieldValue) CustomFields {
	for i := range cf {
		if (f.FieldID != 0 && cf[i].FieldID == f.FieldID) || (f.FieldID == 0 && f.FieldCode != "" && cf[i].FieldCode == f.FieldCode) {
			cf[i] = f
			return cf
		}
	}
	return append(cf, f)
}

// valueStrings lists the non-empty values of f as text.
func valueStrings(f *CustomFieldValue) []string {
	if f == nil {
		return nil
	}
	out := make([]string, 0, len(f.Values))
	for _, v := range f.Values {
		if s := v.String(); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// TextField sets field id to a single value (text, number, date, URL, …).
func TextField(id int64, v any) CustomFieldValue {
	return CustomFieldValue{FieldID: id, Values: []Value{{Value: v}}}
}

// EnumField selects enum value enumID of a list field.
func EnumField(id, enumID int64) CustomFieldValue {
	return CustomFieldValue{FieldID: id, Values: []Value{{EnumID: enumID}}}
}

// ClearField empties field id.
func ClearField(id int64) CustomFieldValue {
	return CustomFieldValue{FieldID: id}
}

// Tag is a tag of a lead, contact or company. On write either field works;
// an unknown name creates the tag.
type Tag struct {
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// EntityType names an entity collection in API paths.
type EntityType string

// Entity types the client links, annotates and tags.
const (
	EntityLeads           EntityType = "leads"
	EntityContacts        EntityType = "contacts"
	EntityCompanies       EntityType = "companies"
	EntityCatalogElements EntityType = "catalog_elements"
)
