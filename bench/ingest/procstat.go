package main

import (
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"amoflow/bench/internal/benchkit"
)

// cpuShare is how many cores each party used on average during a phase
// (warm-up included), from /proc (Linux only; zeros elsewhere).
type cpuShare struct {
	Loadgen  float64 `json:"loadgen"`
	Servers  float64 `json:"servers"`
	RabbitMQ float64 `json:"rabbitmq"`
	SoftIRQ  float64 `json:"softirq"` // the kernel's network processing, mostly (loopback TCP)
	Steal    float64 `json:"steal"`   // time the hypervisor gave the vCPUs to someone else
	Other    float64 `json:"other"`   // every other process and the kernel's own work
	Idle     float64 `json:"idle"`
}

// foreign is what the benchmark did not cause: other processes and the hypervisor.
func (c cpuShare) foreign() float64 { return c.Other + c.Steal }

// waitQuiet waits (two minutes at most) until other processes use less
// than limit cores over two seconds.
func waitQuiet(m *cpuMeter, limit float64) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		a := m.sample()
		time.Sleep(2 * time.Second)
		f := m.share(a, m.sample()).foreign()
		if f < limit {
			return
		}
		if time.Now().After(deadline) {
			log.Printf("  the machine is still busy (%.2f cores used by others): measuring anyway", f)
			return
		}
		log.Printf("  waiting for the machine to quiet down (%.2f cores used by others)", f)
	}
}

// cpuMeter samples the CPU time of the generator, the servers process and
// RabbitMQ (every beam.smp process), and the whole machine.
type cpuMeter struct {
	serversPID int
	rabbitPIDs []int
}

type cpuSample struct {
	at                        time.Time
	loadgen, servers, rabbit  float64 // seconds of CPU
	machineBusy, machineTotal float64 // seconds of CPU, all cores
	softirq, steal            float64
}

const ticksPerSecond = 100 // USER_HZ on Linux

func newCPUMeter(serversPID int) *cpuMeter {
	return &cpuMeter{serversPID: serversPID, rabbitPIDs: benchkit.PIDsNamed("beam.smp")}
}

func (m *cpuMeter) sample() cpuSample {
	s := cpuSample{at: time.Now(), loadgen: benchkit.ProcCPU(os.Getpid()), servers: benchkit.ProcCPU(m.serversPID)}
	for _, pid := range m.rabbitPIDs {
		s.rabbit += benchkit.ProcCPU(pid)
	}
	s.machineBusy, s.machineTotal, s.softirq, s.steal = machineCPU()
	return s
}

func (m *cpuMeter) share(a, b cpuSample) cpuShare {
	wall := b.at.Sub(a.at).Seconds()
	if wall <= 0 {
		return cpuShare{}
	}
	c := cpuShare{
		Loadgen:  (b.loadgen - a.loadgen) / wall,
		Servers:  (b.servers - a.servers) / wall,
		RabbitMQ: (b.rabbit - a.rabbit) / wall,
	}
	busy := (b.machineBusy - a.machineBusy) / wall
	c.SoftIRQ = (b.softirq - a.softirq) / wall
	c.Steal = (b.steal - a.steal) / wall
	c.Idle = (b.machineTotal-a.machineTotal)/wall - busy
	c.Other = max(0, busy-c.Loadgen-c.Servers-c.RabbitMQ-c.SoftIRQ-c.Steal)
	return c
}

// machineCPU is the busy and total CPU seconds of all cores since boot,
// and the softirq and steal seconds among the busy ones.
func machineCPU() (busy, total, softirq, steal float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal guest guest_nice
	for i, v := range f[1:] {
		if i >= 8 { // guest time is already counted in user
			break
		}
		n, _ := strconv.ParseFloat(v, 64)
		n /= ticksPerSecond
		total += n
		switch i {
		case 3, 4: // idle, iowait
			continue
		case 6:
			softirq = n
		case 7:
			steal = n
		}
		busy += n
	}
	return busy, total, softirq, steal
}
