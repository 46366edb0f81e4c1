package config

// Guards are the rules of the webhook methods that are lists of people or
// services rather than ids of one account (docs/flows.md#respchange).
type Guards struct {
	// RespChange is who may change a responsible user (webhook respchange).
	RespChange RespChange `yaml:"respchange"`
	// PPIE is the third account's intake rule (webhook ppie).
	PPIE PPIE `yaml:"ppie"`
}

// RespChange says who may change the responsible user of a retail lead or
// contact. A change is allowed when the user who made it was the old
// responsible (handing work over), is one of Admins (0 is amoCRM's robot:
// digital-pipeline and API changes), or is a senior of a group the old
// responsible is a manager of; every other change is reverted.
type RespChange struct {
	Admins []int64     `yaml:"admins"`
	Groups []RespGroup `yaml:"groups"`
}

// RespGroup is a sales group: its seniors may reassign its managers' work.
type RespGroup struct {
	Seniors  []int64 `yaml:"seniors"`
	Managers []int64 `yaml:"managers"`
}

// PPIE is the intake rule of the third account (webhook ppie,
// docs/flows.md#ppie). The method works only when accounts.ppie is
// configured; without it the webhook is refused.
type PPIE struct {
	// WhatsAppTag marks a lead that came from WhatsApp ("WA").
	WhatsAppTag string `yaml:"whatsapp_tag"`
	// BotOrigin is the chat bot whose incoming message sends the lead to
	// the models pipeline ("wahelp.whatbot.1").
	BotOrigin string `yaml:"bot_origin"`
}
