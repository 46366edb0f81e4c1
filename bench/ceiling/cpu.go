package main

import (
	"context"
	"os"
	"time"

	"github.com/jackc/pgx/v5"

	"amoflow/bench/internal/benchkit"
)

// cpuSample is the CPU seconds so far of the measured process and of what
// it leans on: the PostgreSQL backends serving this run's databases
// (amoflow's own and, with -persistence postgres, the Temporal server's),
// RabbitMQ, and the driver (fake amoCRM and load generator).
type cpuSample struct {
	at              time.Time
	process, rabbit float64
	driver          float64
	postgres        map[int]float64 // by backend pid
}

// cpuUse is cores used between two samples.
type cpuUse struct {
	Process  float64 `json:"process"`
	Postgres float64 `json:"postgres_backends"`
	RabbitMQ float64 `json:"rabbitmq"`
	Driver   float64 `json:"driver"`
}

type cpuMeter struct {
	pid    int
	rabbit []int
	pg     *pgx.Conn
	like   string
}

func newCPUMeter(ctx context.Context, adminURL string, pid int, id string) (*cpuMeter, error) {
	pg, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, err
	}
	return &cpuMeter{pid: pid, rabbit: benchkit.PIDsNamed("beam.smp"), pg: pg, like: "amoflow_bench_%" + id + "%"}, nil
}

func (m *cpuMeter) close() { m.pg.Close(context.Background()) }

func (m *cpuMeter) sample(ctx context.Context) cpuSample {
	s := cpuSample{at: time.Now(), process: benchkit.ProcCPU(m.pid), driver: benchkit.ProcCPU(os.Getpid()), postgres: map[int]float64{}}
	for _, pid := range m.rabbit {
		s.rabbit += benchkit.ProcCPU(pid)
	}
	rows, err := m.pg.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname LIKE $1", m.like)
	if err == nil {
		pids, _ := pgx.CollectRows(rows, pgx.RowTo[int32])
		for _, pid := range pids {
			s.postgres[int(pid)] = benchkit.ProcCPU(int(pid))
		}
	}
	return s
}

// use is the cores used from a to b. A backend that started in between
// counts whole; one that ended in between is lost (the pools keep theirs).
func (a cpuSample) use(b cpuSample) cpuUse {
	wall := b.at.Sub(a.at).Seconds()
	u := cpuUse{Process: (b.process - a.process) / wall, RabbitMQ: (b.rabbit - a.rabbit) / wall, Driver: (b.driver - a.driver) / wall}
	for pid, t := range b.postgres {
		u.Postgres += (t - a.postgres[pid]) / wall
	}
	return u
}
