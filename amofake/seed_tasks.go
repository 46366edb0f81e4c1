package amofake

// AddTask stores a task as given (a manager's task on a lead, done or
// not) and returns its id. A zero ID is a new one; zero times are now, a
// zero responsible user the account's first.
func (s *Server) AddTask(sub string, t Task) int64 {
	a, unlock := s.lock(sub)
	defer unlock()
	now := s.cfg.Now().Unix()
	if t.ID == 0 {
		t.ID = a.newID(kindTask)
	}
	if t.CreatedAt == 0 {
		t.CreatedAt = now
	}
	if t.UpdatedAt == 0 {
		t.UpdatedAt = t.CreatedAt
	}
	if t.ResponsibleUserID == 0 {
		t.ResponsibleUserID = a.defaultUser()
	}
	if t.TaskTypeID == 0 {
		t.TaskTypeID = 1
	}
	a.tasks[t.ID] = &t
	return t.ID
}
