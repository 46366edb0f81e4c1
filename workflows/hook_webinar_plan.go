package workflows

import (
	"time"

	"amoflow/activities"
)

// webinarStages are the stages webinar_admission moves a lead to, by the
// pipeline it is in (docs/flows.md#webinar_admission).
type webinarStages struct {
	FreePipeline, FreeVisited, FreeMissed int64
	PaidPipeline, PaidVisited, PaidMissed int64
}

// webinarStatus is the status for the lead's pipeline and its attendance;
// 0 in any other pipeline (the lead is only noted) or when it is there
// already.
func webinarStatus(l activities.Lead, st webinarStages, visited bool) int64 {
	var to int64
	switch l.PipelineID {
	case st.FreePipeline:
		to = pick(visited, st.FreeVisited, st.FreeMissed)
	case st.PaidPipeline:
		to = pick(visited, st.PaidVisited, st.PaidMissed)
	}
	if to == l.StatusID {
		return 0
	}
	return to
}

func pick(c bool, yes, no int64) int64 {
	if c {
		return yes
	}
	return no
}

// webinarNote says whether the student attended the webinar of the date
// (Unix seconds), shown in Moscow time as "02.12.2026 - 18:00"; without a
// date (the predecessor showed 01.01.1970) the date part is left out.
func webinarNote(visited bool, at int64) string {
	text := "Слушатель присутствовал на вебинаре"
	if !visited {
		text = "Слушатель не присутствовал на вебинаре"
	}
	if at > 0 {
		t := time.Unix(at, 0).In(msk)
		text += " " + t.Format("02.01.2006") + " - " + t.Format("15:04")
	}
	return text
}
