package amocrm

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// Note types the flows write and read.
const (
	NoteCommon         = "common"
	NoteServiceMessage = "service_message"
	NoteCallIn         = "call_in"
	NoteCallOut        = "call_out"
)

// Note is a note on a lead, contact or company.
type Note struct {
	ID                int64      `json:"id,omitempty"`
	EntityID          int64      `json:"entity_id,omitempty"`
	NoteType          string     `json:"note_type,omitempty"`
	Params            NoteParams `json:"params"`
	CreatedBy         int64      `json:"created_by,omitempty"`
	ResponsibleUserID int64      `json:"responsible_user_id,omitempty"`
	CreatedAt         int64      `json:"created_at,omitempty"`
	UpdatedAt         int64      `json:"updated_at,omitempty"`
	RequestID         string     `json:"request_id,omitempty"`
}

// NoteParams are the parameters of the note types above: Text for common,
// Service and Text for service_message, the call fields for call_in and
// call_out (kept whole so a call note can be copied to another entity).
type NoteParams struct {
	Text            string `json:"text,omitempty"`
	Service         string `json:"service,omitempty"`
	UniqID          string `json:"uniq,omitempty"`
	Duration        int64  `json:"duration,omitempty"` // seconds
	Source          string `json:"source,omitempty"`
	Link            string `json:"link,omitempty"` // call recording
	Phone           string `json:"phone,omitempty"`
	CallResult      string `json:"call_result,omitempty"`
	CallStatus      int    `json:"call_status,omitempty"`
	CallResponsible any    `json:"call_responsible,omitempty"` // user id or name
}

// CommonNote is a plain text note on entity id.
func CommonNote(entityID int64, text string) Note {
	return Note{EntityID: entityID, NoteType: NoteCommon, Params: NoteParams{Text: text}}
}

// ServiceMessage is a note shown as sent by service.
func ServiceMessage(entityID int64, service, text string) Note {
	return Note{EntityID: entityID, NoteType: NoteServiceMessage, Params: NoteParams{Service: service, Text: text}}
}

// AddNotes adds notes to entities of one type, 50 per request, and returns
// them with their ids. On error it returns the notes created so far.
func (c *Client) AddNotes(ctx context.Context, entity EntityType, notes []Note) ([]Note, error) {
	return writeBatches(ctx, c, http.MethodPost, "/api/v4/"+string(entity)+"/notes", "notes", notes)
}

// Notes lists the notes of one entity, only of the given types if any.
func (c *Client) Notes(ctx context.Context, entity EntityType, entityID int64, types ...string) ([]Note, error) {
	q := url.Values{}
	for _, t := range types {
		q.Add("filter[note_type][]", t)
	}
	return list[Note](ctx, c, "/api/v4/"+string(entity)+"/"+strconv.FormatInt(entityID, 10)+"/notes", paged(q), "notes")
}
