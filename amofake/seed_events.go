package amofake

// AddEvent records an event in the account's history (GET /api/v4/events),
// for events amoCRM makes itself and the fake does not (an incoming chat
// message). A zero CreatedAt is now; the id is assigned.
func (s *Server) AddEvent(sub string, e Event) {
	a, unlock := s.lock(sub)
	defer unlock()
	if e.CreatedAt == 0 {
		e.CreatedAt = s.cfg.Now().Unix()
	}
	a.event(e.CreatedAt, e.Type, e.EntityType, e.EntityID, e.ValueBefore, e.ValueAfter)
}
